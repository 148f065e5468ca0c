// How a failed CLI command ends: its code and the relay's words on one line, exit 1, and a plain hint where the
// person can act on it (a file deleted while it was being put, a URL with the wrong scheme).
import { describe, expect, it } from 'vitest';
import { PeerTreeError } from '../../../core/errors.ts';
import { EXIT, failure } from '../../../node-relay/cli/cli-errors.ts';
import type { CliIo } from '../../../node-relay/cli/io.ts';

function captured(): { io: CliIo; text: () => string } {
  let err = '';
  return { io: { out: () => undefined, err: (t) => void (err += t) }, text: () => err };
}

describe('failure', () => {
  it('says a file deleted while it was being put was not kept, and how to keep it', () => {
    const { io, text } = captured();
    const err = new PeerTreeError('RELEASED', 'shard 0123456789ab… was deleted by its owner', { refused: true });
    expect(failure(io, 'put', err, 'https://relay.example:8443')).toBe(EXIT.FAILURE);
    expect(text()).toContain('peertree put: RELEASED: shard 0123456789ab… was deleted by its owner\n');
    expect(text()).toContain('hint: the file was deleted (released) while this command ran');
    expect(text()).toContain('put it again to keep it');
  });

  it('gives no hint for a refusal the person cannot act on from the command line', () => {
    const { io, text } = captured();
    expect(failure(io, 'put', new PeerTreeError('FORBIDDEN', 'not allowed'), 'https://relay.example:8443')).toBe(
      EXIT.FAILURE,
    );
    expect(text()).toBe('peertree put: FORBIDDEN: not allowed\n');
  });
});
