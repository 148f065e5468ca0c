// The relay's message rate limits: one token bucket per remote address (checked before a frame is verified,
// so floods cost no signature checks) and one per authenticated key (over all of its connections).
import {
  MAX_MESSAGES_PER_SECOND_PER_ADDRESS,
  MAX_MESSAGES_PER_SECOND_PER_KEY,
  MAX_RATE_BUCKETS,
  MESSAGE_BURST_PER_ADDRESS,
  MESSAGE_BURST_PER_KEY,
} from '../../core/limits.ts';
import { TokenBuckets } from '../../core/rate-limit.ts';

export class RateLimiter {
  private readonly byAddress: TokenBuckets;
  private readonly byKey: TokenBuckets;

  /** `perKey`: messages per second one key may send (the address gets 4×, bursts 4× the rate). */
  constructor(perKey: number | undefined, now: () => number) {
    const keyRate = perKey ?? MAX_MESSAGES_PER_SECOND_PER_KEY;
    const keyBurst = perKey === undefined ? MESSAGE_BURST_PER_KEY : 4 * perKey;
    const addressRate = perKey === undefined ? MAX_MESSAGES_PER_SECOND_PER_ADDRESS : 4 * perKey;
    const addressBurst = perKey === undefined ? MESSAGE_BURST_PER_ADDRESS : 16 * perKey;
    this.byKey = new TokenBuckets(keyRate, keyBurst, MAX_RATE_BUCKETS, now);
    this.byAddress = new TokenBuckets(addressRate, addressBurst, MAX_RATE_BUCKETS, now);
  }

  admitAddress(address: string): boolean {
    return this.byAddress.take(address);
  }

  admitKey(keyHex: string): boolean {
    return this.byKey.take(keyHex);
  }
}
