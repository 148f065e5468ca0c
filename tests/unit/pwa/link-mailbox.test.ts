// The words a person reads when linking fails: what happened and what to do, with the codes kept for details.
import { describe, expect, it } from 'vitest';
import { ERROR_TABLE, PeerTreeError, type ErrorCode } from '../../../core/errors.ts';
import { LINK_MINUTES, linkProblem } from '../../../pwa/src/sync/link-mailbox.ts';

const refused = (code: ErrorCode, message = 'relay words'): PeerTreeError =>
  new PeerTreeError(code, message, { refused: true });

describe('linkProblem', () => {
  it('never shows a code or the relay’s message in the words, and keeps both in the details', () => {
    for (const code of Object.keys(ERROR_TABLE) as ErrorCode[]) {
      for (const side of ['offer', 'join'] as const) {
        for (const err of [refused(code, 'relay words'), new PeerTreeError(code, 'local words')]) {
          const p = linkProblem(err, side);
          expect(p.words).not.toMatch(/[A-Z]{2,}_?[A-Z]*:/);
          expect(p.words).not.toContain(code);
          expect(p.words).not.toContain('words');
          expect(p.details).toBe(`${code}: ${err.message}`);
        }
      }
    }
  });

  it('tells each side what it can do to start again', () => {
    expect(linkProblem(refused('NOT_FOUND'), 'offer').words).toContain('Press “Link another device”');
    const join = linkProblem(refused('NOT_FOUND'), 'join').words;
    expect(join).toContain('On your other device');
    expect(join).toContain('This browser was not changed');
    expect(join).toContain(`${LINK_MINUTES} minutes`);
  });

  it('tells a lost connection apart from the relay’s refusal', () => {
    expect(linkProblem(new PeerTreeError('CLOSED', 'the connection to the relay closed'), 'join').words).toContain(
      'cannot reach the relay',
    );
    expect(linkProblem(new PeerTreeError('UNAVAILABLE', 'this device is offline'), 'offer').words).toContain(
      'Check the internet connection',
    );
    expect(linkProblem(refused('CONFLICT'), 'join').words).toContain('Another device answered this link first');
    expect(linkProblem(new PeerTreeError('TIMEOUT'), 'offer').words).toContain('did not answer');
    expect(linkProblem(refused('FULL'), 'offer').words).toContain('busy');
    expect(linkProblem(new PeerTreeError('HASH_MISMATCH'), 'join').words).toContain('not meant for this browser');
  });

  it('explains an error that is not a PeerTreeError too', () => {
    const p = linkProblem(new Error('boom'), 'join');
    expect(p.words).toContain('Linking did not work');
    expect(p.details).toContain('boom');
  });
});
