// Feeds one socket's incoming binary frames, in order, through a FrameVerifier with a bounded queue.
import type { RawData, WebSocket } from 'ws';
import { MAX_FRAME_BYTES, MAX_RATE_LIMITED_STRIKES, RATE_LIMITED_STRIKES_FORGIVEN_PER_SECOND } from '../../core/limits.ts';
import { Strikes } from '../../core/rate-limit.ts';
import type { FrameVerifier, Message, VerifyResult } from '../../core/wire/index.ts';
import type { Logger } from '../logger.ts';
import type { DropCounters } from './drop-counters.ts';
import { closeWith } from './signed-send.ts';

/** Frames waiting for verification on one socket before reading pauses. */
export const MAX_QUEUED_FRAMES = 64;
/** Bytes waiting for verification on one socket before reading pauses. */
export const MAX_QUEUED_BYTES = 2 * MAX_FRAME_BYTES;
/** Hard cap: frames beyond this (arriving while paused) are dropped, never buffered. */
const HARD_QUEUED_FRAMES = MAX_QUEUED_FRAMES * 2;

export type VerifiedHandler = (message: Message) => void | Promise<void>;
export type DropHandler = (result: Extract<VerifyResult, { ok: false }>) => void;

export interface Ingress {
  /** Where verified messages go; swapped when the handshake completes. */
  setHandler(handler: VerifiedHandler): void;
  stop(): void;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

export function attachIngress(
  ws: WebSocket,
  verifier: FrameVerifier,
  counters: DropCounters,
  logger: Logger,
  handler: VerifiedHandler,
  onDrop?: DropHandler,
  /** Rate limit checked before a frame is queued (per address); a refused frame is counted, never read. */
  admit?: () => boolean,
): Ingress {
  let current = handler;
  let stopped = false;
  let queuedFrames = 0;
  let queuedBytes = 0;
  let paused = false;
  let chain: Promise<void> = Promise.resolve();
  const strikes = new Strikes(MAX_RATE_LIMITED_STRIKES, RATE_LIMITED_STRIKES_FORGIVEN_PER_SECOND, () => performance.now());
  let limitClosed = false;

  const maybeResume = () => {
    if (paused && queuedFrames < MAX_QUEUED_FRAMES / 2 && queuedBytes < MAX_QUEUED_BYTES / 2) {
      paused = false;
      if (!stopped) ws.resume();
    }
  };

  const handleFrame = async (frame: Uint8Array) => {
    try {
      if (stopped) return;
      const result = await verifier.verify(frame);
      if (stopped) return;
      if (!result.ok) {
        logger.debug('frame dropped', { reason: result.reason, detail: result.detail });
        onDrop?.(result);
        return;
      }
      await current(result.message);
    } catch (err) {
      // Handlers are expected to catch their own errors; this is the last line that keeps the socket alive.
      counters['handler-error']++;
      logger.error('error while handling a frame', { error: String(err) });
    } finally {
      queuedFrames--;
      queuedBytes -= frame.length;
      maybeResume();
    }
  };

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (stopped) return;
    if (!isBinary) {
      counters['not-binary']++;
      return;
    }
    if (admit !== undefined) {
      if (!admit()) {
        counters['rate-limited']++;
        if (strikes.add() && !limitClosed) {
          limitClosed = true;
          counters['rate-limit-close']++;
          closeWith(ws, 'RATE_LIMITED', 'too many messages from this address');
        }
        return;
      }
    }
    const frame = toBytes(data);
    if (queuedFrames >= HARD_QUEUED_FRAMES) {
      counters['inbound-overflow']++;
      return;
    }
    queuedFrames++;
    queuedBytes += frame.length;
    if (!paused && (queuedFrames >= MAX_QUEUED_FRAMES || queuedBytes >= MAX_QUEUED_BYTES)) {
      paused = true;
      ws.pause();
    }
    // One frame at a time per socket: messages are handled in the order they were sent.
    chain = chain.then(() => handleFrame(frame));
  });

  return {
    setHandler(next) {
      current = next;
    },
    stop() {
      stopped = true;
    },
  };
}
