// Small helpers shared by both handshake sides: send one signed frame on a raw socket, map close codes to errors.
import { WebSocket } from 'ws';
import { toHex } from '../../core/bytes.ts';
import { ERROR_TABLE, PeerTreeError, type ErrorCode } from '../../core/errors.ts';
import type { Identity } from '../../core/identity/index.ts';
import { MESSAGE_ID_BYTES } from '../../core/limits.ts';
import { encodeFrame } from '../../core/wire/index.ts';
import type { Components } from '../components.ts';

/** Signs and sends one frame on a socket that has no Link yet (handshake messages). */
export async function sendSigned(
  ws: WebSocket,
  identity: Identity,
  components: Components,
  message: { type: string; tree: string; body: unknown },
): Promise<void> {
  const frame = await encodeFrame(
    { ...message, to: null, ts: components.clock.now(), id: toHex(components.rng.bytes(MESSAGE_ID_BYTES)) },
    identity,
  );
  if (ws.readyState !== WebSocket.OPEN) throw new PeerTreeError('CLOSED', 'socket closed during the handshake');
  ws.send(frame, { binary: true });
}

/** Closes a socket with the close code ERROR_TABLE gives `code`. */
export function closeWith(ws: WebSocket, code: ErrorCode, reason?: string): void {
  if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
    ws.close(ERROR_TABLE[code].close, (reason ?? ERROR_TABLE[code].message).slice(0, 120));
  }
}

export { errorCodeForClose } from '../../core/errors.ts';
