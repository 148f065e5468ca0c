// What the pure tree machine needs from outside to sign and check membership records: its own signing
// key, Ed25519 verification, SHA-256, node ids of keys and the admission rule. All deterministic
// (Ed25519 signatures are, RFC 8032), so step() stays a pure function of (state, input, env).
import { ed25519 } from '@noble/curves/ed25519.js';
import { toHex } from '../bytes.ts';
import { sha256Sync } from '../crypto/sha256.ts';
import { nodeIdOf } from '../identity/node-id.ts';

export interface TreeEnv {
  /** Signs with this relay's own key (the key of state.self). */
  sign(bytes: Uint8Array): Uint8Array;
  /** True only for a valid Ed25519 signature; never throws. */
  verify(publicKey: Uint8Array, bytes: Uint8Array, signature: Uint8Array): boolean;
  sha256(bytes: Uint8Array): Uint8Array;
  /** The node id a public key speaks for. */
  idOf(publicKey: Uint8Array): string;
  /**
   * Whether an `add` with this admission may enter the tree (open trees: always). `admission` is what the
   * sequencer recorded: '' (open), 'allow' (allowlist) or a join token's JSON.
   */
  admits(id: string, admission: string, treeId: string): boolean;
}

export interface TreeEnvParts {
  readonly sign?: (bytes: Uint8Array) => Uint8Array;
  readonly verify?: TreeEnv['verify'];
  readonly sha256?: TreeEnv['sha256'];
  readonly idOf?: TreeEnv['idOf'];
  readonly admits?: TreeEnv['admits'];
}

/**
 * True for a canonically encoded public key of large order. A small-order key (e.g. all zeros) has
 * "universal" signatures that verify for any message under lenient rules, so anyone could speak for it:
 * the tree refuses such keys as members and never accepts a signature under one.
 */
export function isStrongKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  try {
    return !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false;
  }
}

function nobleVerify(publicKey: Uint8Array, bytes: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64 || !isStrongKey(publicKey)) return false;
  try {
    return ed25519.verify(signature, bytes, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * An env from a 32-byte Ed25519 seed (or none: verify-only, signing throws), with @noble as the default
 * provider; a shell passes faster parts (node:crypto) where it has them.
 */
export function makeTreeEnv(seed: Uint8Array | null, parts: TreeEnvParts = {}): TreeEnv {
  const ownSeed = seed?.slice() ?? null;
  return {
    sign:
      parts.sign ??
      ((bytes) => {
        if (ownSeed === null) throw new Error('this tree env has no signing key');
        return ed25519.sign(bytes, ownSeed);
      }),
    verify: parts.verify ?? nobleVerify,
    sha256: parts.sha256 ?? sha256Sync,
    idOf: parts.idOf ?? nodeIdOf,
    admits: parts.admits ?? (() => true),
  };
}

/** The env a step uses when none is given: it can check records but not sign them. */
export const VERIFY_ONLY_ENV: TreeEnv = makeTreeEnv(null);

/** Public key of a seed (noble), hex: what a NodeRef carries. */
export function publicKeyHexOf(seed: Uint8Array): string {
  return toHex(ed25519.getPublicKey(seed));
}
