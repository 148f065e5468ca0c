// The byte layout of a frame: magic, header length, header JSON, payload length, payload, signature.
//
//   offset        size  field
//   0             4     magic "PTF" 0x01 (0x50 0x54 0x46 0x01)
//   4             4     H: header length, u32 big-endian
//   8             H     header: UTF-8 JSON object
//   8+H           4     P: payload length, u32 big-endian
//   12+H          P     payload bytes (raw, never base64)
//   12+H+P        64    Ed25519 signature over signedBytes(header, sha256(payload))
import { SIGNATURE_BYTES } from '../crypto/ed25519.ts';
import { readU32BE, utf8, writeU32BE } from '../bytes.ts';

export const FRAME_MAGIC = Uint8Array.of(0x50, 0x54, 0x46, 0x01);
/** Fixed bytes around header and payload: magic, two lengths, signature. */
export const FRAME_OVERHEAD = 4 + 4 + 4 + SIGNATURE_BYTES;
/** SHA-256 of the empty payload (most frames carry none): a constant, so it is never computed per frame. */
export const EMPTY_PAYLOAD_DIGEST = Uint8Array.of(
  0xe3,
  0xb0,
  0xc4,
  0x42,
  0x98,
  0xfc,
  0x1c,
  0x14,
  0x9a,
  0xfb,
  0xf4,
  0xc8,
  0x99,
  0x6f,
  0xb9,
  0x24,
  0x27,
  0xae,
  0x41,
  0xe4,
  0x64,
  0x9b,
  0x93,
  0x4c,
  0xa4,
  0x95,
  0x99,
  0x1b,
  0x78,
  0x52,
  0xb8,
  0x55,
);
/** Domain-separation tag that starts every signed byte string of a frame. */
export const FRAME_SIGNATURE_TAG = utf8('peertree/frame/v1\u0000');

export interface FrameParts {
  readonly header: Uint8Array;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

export type LayoutError = 'truncated' | 'bad-magic' | 'too-large';

/** Assembles a frame from its parts (header already serialized, signature already made). */
export function assembleFrame(header: Uint8Array, payload: Uint8Array, signature: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_OVERHEAD + header.length + payload.length);
  frame.set(FRAME_MAGIC, 0);
  writeU32BE(frame, 4, header.length);
  frame.set(header, 8);
  writeU32BE(frame, 8 + header.length, payload.length);
  frame.set(payload, 12 + header.length);
  frame.set(signature, 12 + header.length + payload.length);
  return frame;
}

/** Splits a frame into views over its own bytes (no copies); any length inconsistency is an error. */
export function splitFrame(
  frame: Uint8Array,
  maxHeaderBytes: number,
  maxPayloadBytes: number,
): FrameParts | LayoutError {
  if (frame.length < FRAME_OVERHEAD) return 'truncated';
  for (let i = 0; i < FRAME_MAGIC.length; i++) if (frame[i] !== FRAME_MAGIC[i]) return 'bad-magic';
  const headerLength = readU32BE(frame, 4);
  if (headerLength > maxHeaderBytes) return 'too-large';
  if (8 + headerLength + 4 > frame.length) return 'truncated';
  const payloadLength = readU32BE(frame, 8 + headerLength);
  if (payloadLength > maxPayloadBytes) return 'too-large';
  const expected = FRAME_OVERHEAD + headerLength + payloadLength;
  if (frame.length < expected) return 'truncated';
  if (frame.length > expected) return 'truncated'; // trailing bytes: the frame's lengths do not describe it
  const payloadStart = 12 + headerLength;
  return {
    header: frame.subarray(8, 8 + headerLength),
    payload: frame.subarray(payloadStart, payloadStart + payloadLength),
    signature: frame.subarray(payloadStart + payloadLength, expected),
  };
}

/** The exact bytes a frame's signature covers: tag ‖ u32(H) ‖ header ‖ SHA-256(payload). */
export function signedBytes(header: Uint8Array, payloadHash: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_SIGNATURE_TAG.length + 4 + header.length + payloadHash.length);
  out.set(FRAME_SIGNATURE_TAG, 0);
  writeU32BE(out, FRAME_SIGNATURE_TAG.length, header.length);
  out.set(header, FRAME_SIGNATURE_TAG.length + 4);
  out.set(payloadHash, FRAME_SIGNATURE_TAG.length + 4 + header.length);
  return out;
}
