// The words a person reads when opening, downloading, backing up or renaming fails: no codes or relay text in
// them, what to do in each, the technical part kept for the details disclosure.
import { describe, expect, it } from 'vitest';
import { ERROR_TABLE, PeerTreeError, type ErrorCode } from '../../../core/errors.ts';
import { MAX_LIBRARY_TEXT } from '../../../core/limits.ts';
import { editProblem } from '../../../pwa/src/ui/edit-dialog.ts';
import { cleanText } from '../../../pwa/src/data/library.ts';
import { backupProblem, downloadProblem, openProblem } from '../../../pwa/src/ui/plain-words.ts';

describe('openProblem and downloadProblem', () => {
  it('never put a code or the relay’s words in what the person reads, and keep both in the details', () => {
    for (const code of Object.keys(ERROR_TABLE) as ErrorCode[]) {
      for (const err of [
        new PeerTreeError(code, 'relay said shard abcdef0123 is gone', { refused: true }),
        new PeerTreeError(code, 'relay said shard abcdef0123 is gone'),
      ]) {
        for (const p of [openProblem(err), downloadProblem('photo.jpg', err)]) {
          expect(p.words).not.toContain(code);
          expect(p.words).not.toContain('abcdef0123');
          expect(p.details).toBe(`${code}: ${err.message}`);
        }
      }
    }
  });

  it('say what to do, and offer Try again only where it can help', () => {
    expect(openProblem(new PeerTreeError('BAD_INPUT', 'x'))).toMatchObject({ retry: false });
    expect(openProblem(new PeerTreeError('BAD_INPUT', 'x')).words).toContain('not a valid PeerTree link');
    expect(openProblem(new PeerTreeError('NOT_FOUND', 'x')).words).toMatch(/^No relay has this file/);
    expect(openProblem(new PeerTreeError('UNAVAILABLE', 'x'))).toMatchObject({ retry: true });
    expect(openProblem(new PeerTreeError('UNAVAILABLE', 'x')).words).toContain('Check the internet connection');
    expect(downloadProblem('a.txt', new PeerTreeError('TIMEOUT', 'x')).words).toMatch(
      /^a\.txt could not be downloaded\. /,
    );
    expect(openProblem(new PeerTreeError('RELEASED', 'x'))).toMatchObject({ retry: false });
    expect(openProblem(new PeerTreeError('RELEASED', 'x')).words).toMatch(/^Its owner deleted this file/);
    expect(openProblem(new Error('plain')).details).toContain('plain');
    // A clock the relay refuses: what to do, and by how much in the details (the device's own count).
    const stale = openProblem(new PeerTreeError('STALE', "this device's clock is 10 minutes ahead of the relay's"));
    expect(stale.words).toMatch(/clock is more than 5 minutes off.*Set the clock/);
    expect(stale.details).toContain('10 minutes ahead');
  });
});

describe('backupProblem', () => {
  it('words each backup failure, keeping the message as the details', () => {
    const wrong = backupProblem(new Error('wrong passphrase, or the backup was changed'), 'import');
    expect(wrong.words).toContain('wrong passphrase');
    expect(wrong.details).toBe('wrong passphrase, or the backup was changed');
    expect(backupProblem(new Error('this is not a PeerTree key backup (not JSON)'), 'import').words).toContain(
      'not a PeerTree key backup',
    );
    expect(backupProblem(new Error('the backup uses unknown key derivation settings'), 'import').words).not.toMatch(
      /derivation|KDF|PBKDF/,
    );
    expect(backupProblem(new Error('use a passphrase of at least 10 characters'), 'export').words).toBe(
      'Use a passphrase of at least 10 characters.',
    );
    expect(backupProblem(new Error('quota exceeded in IndexedDB'), 'import').words).toContain(
      'Nothing on this device was changed',
    );
  });
});

describe('renaming', () => {
  it('cleans a typed name: no control characters or path separators, spaces collapsed', () => {
    expect(cleanText('  my\u0000 file/name\\x.txt \n')).toBe('my file name x.txt');
    expect(cleanText('\u0007\t  ')).toBe('');
  });

  it('refuses an empty name and text over the library bound, in plain words', () => {
    expect(editProblem({ name: '   ', note: '' })).toBe('Give the file a name.');
    expect(editProblem({ name: 'a'.repeat(MAX_LIBRARY_TEXT + 1), note: '' })).toContain(
      `${MAX_LIBRARY_TEXT} characters`,
    );
    expect(editProblem({ name: 'ok.txt', note: 'n'.repeat(MAX_LIBRARY_TEXT + 1) })).toContain('note');
    expect(editProblem({ name: 'ok.txt', note: '' })).toBeNull();
  });
});
