// Regenerates core/wire/wire-vectors.json: fixed keys and messages → exact frame bytes and signatures.
// Run: node bin/run-ts.js scripts/make-wire-vectors.ts  (only when the wire format changes on purpose).
import { writeFileSync } from 'node:fs';
import { fromHex, toHex, utf8 } from '../core/bytes.ts';
import { identityFromSeed } from '../core/identity/identity.ts';
import { encodeFrame, type OutgoingMessage } from '../core/wire/encode.ts';
import { nobleEd25519 } from '../core/crypto/ed25519.ts';

const SEEDS = [
  '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
];

const CASES: Array<{ name: string; seed: number; message: OutgoingMessage }> = [
  {
    name: 'broadcast without payload',
    seed: 0,
    message: {
      type: 'tree.announce',
      tree: '00112233445566778899aabbccddeeff',
      to: null,
      body: { epoch: 7, size: 3 },
      ts: 1_764_000_000_000,
      id: '000102030405060708090a0b0c0d0e0f',
    },
  },
  {
    name: 'directed message with a binary payload',
    seed: 1,
    message: {
      type: 'shard.put',
      tree: '00112233445566778899aabbccddeeff',
      to: 'abcdefghijklmnop',
      body: { hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
      ts: 1_764_000_000_123,
      id: 'ffeeddccbbaa99887766554433221100',
      payload: utf8('PeerTree shard bytes \u00e9\u4e2d'),
    },
  },
  {
    name: 'handshake before the tree is known, unicode body',
    seed: 0,
    message: {
      type: 'peer.auth',
      tree: '',
      to: null,
      body: { text: 'h\u00e9llo \ud83c\udf33', n: [1, 2.5, null, true] },
      ts: 0,
      id: '0123456789abcdef0123456789abcdef',
    },
  },
];

const vectors = [];
for (const c of CASES) {
  const identity = await identityFromSeed(fromHex(SEEDS[c.seed]!), nobleEd25519);
  const frame = await encodeFrame(c.message, identity);
  vectors.push({
    name: c.name,
    seed: SEEDS[c.seed],
    publicKey: toHex(identity.publicKey),
    nodeId: identity.id,
    message: { ...c.message, payload: c.message.payload ? toHex(c.message.payload) : null },
    frame: toHex(frame),
    signature: toHex(frame.subarray(frame.length - 64)),
  });
}
writeFileSync(
  new URL('../core/wire/wire-vectors.json', import.meta.url),
  JSON.stringify({ version: 1, vectors }, null, 2) + '\n',
);
console.log(`wrote ${vectors.length} vectors`);
