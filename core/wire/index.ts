// The wire format: frames, their verification, replay memory and the handshake (re-exports of what is used).
export { FRAME_MAGIC, splitFrame } from './frame-layout.ts';
export { encodeFrame, newMessageId } from './encode.ts';
export { FrameVerifier, type Message, type VerifyResult } from './verifier.ts';
export {
  AUTH,
  HANDSHAKE_TYPES,
  HELLO,
  isWelcome,
  newNonce,
  type PeerRole,
  readAuth,
  readHello,
  WELCOME,
} from './handshake.ts';
