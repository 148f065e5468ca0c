// Real Ed25519 keys for simulated relays (node:crypto, synchronous), with readable ids: the simulator
// names each key (n0, n1, x0 …) and its env maps keys to those names, so records are signed and checked
// exactly as on real relays. Verifications are memoised per world (they are deterministic), which keeps
// thousands of seeds fast without trusting anything a simulated relay did not check.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { toHex } from '../../core/bytes.ts';
import { isStrongKey, makeTreeEnv, type TreeEnv } from '../../core/tree/tree-env.ts';
import type { NodeRef } from '../../core/tree/types.ts';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface SimIdentity {
  readonly ref: NodeRef;
  readonly env: TreeEnv;
}

export class SimKeys {
  private readonly names = new Map<string, string>();
  private readonly publicKeys = new Map<string, KeyObject>();
  private readonly memo = new Map<string, boolean>();
  verifications = 0;

  /** The identity named `name` (deterministic: the seed is SHA-256 of the name and a salt). */
  identity(name: string, url = `sim://${name}`, salt = ''): SimIdentity {
    const seed = createHash('sha256').update(`peertree-sim|${salt}|${name}`).digest();
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
    const key = toHex(new Uint8Array(raw));
    this.names.set(key, name);
    const env = makeTreeEnv(null, {
      sign: (bytes) => new Uint8Array(sign(null, bytes, privateKey)),
      verify: (pub, bytes, sig) => this.verify(pub, bytes, sig),
      sha256: (bytes) => new Uint8Array(createHash('sha256').update(bytes).digest()),
      idOf: (pub) => this.names.get(toHex(pub)) ?? `?${toHex(pub).slice(0, 8)}`,
    });
    return { ref: { id: name, url, key }, env };
  }

  private verify(pub: Uint8Array, bytes: Uint8Array, sig: Uint8Array): boolean {
    if (pub.length !== 32 || sig.length !== 64) return false;
    const memoKey = `${toHex(pub)}|${toHex(sig)}|${Buffer.from(bytes).toString('latin1')}`;
    const known = this.memo.get(memoKey);
    if (known !== undefined) return known;
    if (!isStrongKey(pub)) return false;
    const hex = toHex(pub);
    let keyObject = this.publicKeys.get(hex);
    if (keyObject === undefined) {
      try {
        keyObject = createPublicKey({
          key: Buffer.concat([SPKI_PREFIX, Buffer.from(pub)]),
          format: 'der',
          type: 'spki',
        });
      } catch {
        return false;
      }
      this.publicKeys.set(hex, keyObject);
    }
    this.verifications++;
    let ok: boolean;
    try {
      ok = verify(null, bytes, keyObject, sig);
    } catch {
      ok = false;
    }
    if (this.memo.size > 200_000) this.memo.clear();
    this.memo.set(memoKey, ok);
    return ok;
  }
}
