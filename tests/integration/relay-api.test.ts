// The programmatic entry point docs/relay.md shows (`node-relay/index.ts`): parse flags, start a relay in this
// process, connect to it with the signed handshake, answer an application message, close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '../../core/identity/index.ts';
import { connect, defaultComponents, parseRelayArgs, startRelay } from '../../node-relay/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'peertree-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the relay as a library (node-relay/index.ts)', () => {
  it('starts from parsed flags, takes a signed connection and answers a handler, then closes', async () => {
    const parsed = parseRelayArgs(['--port', '0', '--data', join(dir, 'r1'), '--http', '--log-level', 'warn']);
    if (parsed.ok !== true) throw new Error('the documented flags did not parse');
    const relay = await startRelay(parsed.value, defaultComponents(), { handshakeTimeoutMs: 10_000 });
    try {
      relay.dispatcher.on('app.hello', async (message, link) => {
        await link.reply(message, 'app.hi', { to: message.fromId });
      });
      const { identity } = await generateIdentity();
      const link = await connect(relay.url, { identity });
      try {
        expect(link.peerId).toBe(relay.id);
        const reply = await link.request('app.hello', {}, 5_000);
        expect(reply.type).toBe('app.hi');
        expect((reply.body as { to: string }).to).toBe(identity.id);
      } finally {
        link.close(1000, 'done');
      }
    } finally {
      await relay.close();
    }
  });
});
