// Feeds one socket's incoming binary frames through a FrameVerifier with a bounded queue: verified several at a
// time, delivered in the order they arrived.
import type { RawData, WebSocket } from 'ws';
import {
  MAX_CONCURRENT_VERIFICATIONS,
  MAX_QUEUED_BYTES,
  MAX_QUEUED_FRAMES,
  MAX_RATE_LIMITED_STRIKES,
  RATE_LIMITED_STRIKES_FORGIVEN_PER_SECOND,
} from '../../core/limits.ts';
import { Strikes } from '../../core/rate-limit.ts';
import type { FrameVerifier, Message, VerifyResult } from '../../core/wire/index.ts';
import type { Logger } from '../log-contract.ts';
import type { DropCounters } from './drop-counters.ts';
import { closeWith } from './signed-send.ts';

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
  const strikes = new Strikes(MAX_RATE_LIMITED_STRIKES, RATE_LIMITED_STRIKES_FORGIVEN_PER_SECOND, () =>
    performance.now(),
  );
  let limitClosed = false;

  const maybeResume = () => {
    if (paused && queuedFrames < MAX_QUEUED_FRAMES / 2 && queuedBytes < MAX_QUEUED_BYTES / 2) {
      paused = false;
      if (!stopped) ws.resume();
    }
  };

  // Verification slots of this socket. A finished verification hands its slot straight to the oldest waiting
  // frame, so frames start verifying in arrival order and never more than the limit at once.
  let verifying = 0;
  const slotWaiters: (() => void)[] = [];
  const verify = async (frame: Uint8Array): Promise<VerifyResult | null> => {
    if (verifying < MAX_CONCURRENT_VERIFICATIONS) verifying++;
    else await new Promise<void>((r) => slotWaiters.push(r));
    try {
      return stopped ? null : await verifier.verify(frame);
    } finally {
      const next = slotWaiters.shift();
      if (next) next();
      else verifying--;
    }
  };

  const handleFrame = async (frame: Uint8Array, verified: Promise<VerifyResult | null>) => {
    try {
      const result = await verified;
      if (stopped || result === null) return;
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
    // Verification starts now, beside the frames before it; delivery waits for them, so messages are handled in
    // the order they were sent. A frame is remembered as seen only once verified (FrameVerifier re-checks the
    // replay memory after its await), so a duplicate verified concurrently is still delivered once.
    const verified = verify(frame);
    chain = chain.then(() => handleFrame(frame, verified));
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
