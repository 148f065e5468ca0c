// A signed request to forget a memory: only its author can make one that verifies.
//   signed bytes: "peertree/forget/v1" 0x00 ‖ memory id (32) ‖ author key (32) ‖ u64be ts
import { concatBytes, fromHex, toHex, utf8, u64be } from '../bytes.ts';
import { verifySignature, type Identity } from '../identity/identity.ts';

export const FORGET_TAG = utf8('peertree/forget/v1\u0000');

export interface ForgetStatement {
  readonly id: string;
  readonly author: string;
  readonly ts: number;
  readonly sig: string;
}

function forgetBytes(id: string, author: Uint8Array, ts: number): Uint8Array {
  return concatBytes(FORGET_TAG, fromHex(id), author, u64be(ts));
}

export async function signForget(identity: Identity, id: string, ts: number): Promise<ForgetStatement> {
  return {
    id,
    author: toHex(identity.publicKey),
    ts,
    sig: toHex(await identity.sign(forgetBytes(id, identity.publicKey, ts))),
  };
}

export async function verifyForget(f: ForgetStatement): Promise<boolean> {
  return verifySignature(fromHex(f.author), forgetBytes(f.id, fromHex(f.author), f.ts), fromHex(f.sig));
}
