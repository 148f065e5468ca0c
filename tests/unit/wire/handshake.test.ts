import { describe, expect, it } from 'vitest';
import { generateIdentity } from '../../../core/identity/identity.ts';
import { encodeFrame } from '../../../core/wire/encode.ts';
import { FrameVerifier, type Message } from '../../../core/wire/verifier.ts';
import {
  AUTH,
  HANDSHAKE_TYPES,
  HELLO,
  isWelcome,
  newNonce,
  readAuth,
  readHello,
  WELCOME,
} from '../../../core/wire/handshake.ts';

const NOW = 1_800_000_000_000;
const TREE = 'ab'.repeat(16);
const server = (await generateIdentity()).identity;
const client = (await generateIdentity()).identity;

async function receive(type: string, body: unknown, from = client, tree = ''): Promise<Message> {
  const v = new FrameVerifier({ treeId: () => TREE, now: () => NOW, treeExemptTypes: HANDSHAKE_TYPES });
  const r = await v.verify(await encodeFrame({ type, tree, to: null, body, ts: NOW }, from));
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

describe('connection handshake', () => {
  it('binds the connection to the key that signed the server’s fresh nonce', async () => {
    const serverNonce = newNonce();
    const hello = readHello(await receive(HELLO, { nonce: serverNonce, role: 'relay' }, server, TREE));
    expect(hello?.nonce).toBe(serverNonce);
    const challenge = newNonce();
    const authMessage = await receive(AUTH, { nonce: hello!.nonce, challenge, role: 'client', url: null });
    const auth = readAuth(authMessage, serverNonce);
    expect(auth).toEqual({ nonce: serverNonce, challenge, role: 'client', url: null });
    expect(authMessage.fromId).toBe(client.id);
    const welcome = await receive(WELCOME, { challenge }, server, TREE);
    expect(isWelcome(welcome, challenge, server.id)).toBe(true);
  });

  it('refuses an answer to another connection’s nonce (a replayed handshake)', async () => {
    const auth = await receive(AUTH, {
      nonce: newNonce(),
      challenge: newNonce(),
      role: 'relay',
      url: 'wss://127.0.0.1:9/ws',
    });
    expect(readAuth(auth, newNonce())).toBeNull();
  });

  it('refuses malformed bodies without throwing', async () => {
    const nonce = newNonce();
    for (const body of [
      null,
      5,
      'x',
      [],
      { nonce },
      { nonce, challenge: 'zz', role: 'client', url: null },
      { nonce, challenge: newNonce(), role: 'king', url: null },
      { nonce, challenge: newNonce(), role: 'relay', url: 'javascript:alert(1)' },
    ]) {
      expect(readAuth(await receive(AUTH, body), nonce)).toBeNull();
    }
    expect(readHello(await receive(HELLO, { nonce: 'short', role: 'relay' }))).toBeNull();
    expect(isWelcome(await receive(WELCOME, { challenge: 'other' }, server), newNonce())).toBe(false);
  });

  it('refuses a welcome from a node other than the one expected', async () => {
    const challenge = newNonce();
    expect(isWelcome(await receive(WELCOME, { challenge }, client), challenge, server.id)).toBe(false);
  });
});
