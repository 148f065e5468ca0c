// The client side of the storage protocol, for the CLI and the PWA alike: store a shard with the owner's signed
// pin, fetch one, release a pin. Every reply is checked here before anything is believed (its type, the hash it
// names, the holders it lists), so a relay's answer is never taken on its word by one shell and not the other.
import { PeerTreeError } from '../errors.ts';
import type { Identity } from '../identity/identity.ts';
import { isNodeId } from '../identity/node-id.ts';
import { CLIENT_REQUEST_TIMEOUT_MS, CLIENT_STORE_TIMEOUT_MS, MAX_LIST_PAGE, MAX_REPLICAS } from '../limits.ts';
import { signPin } from '../storage/pin.ts';
import type { ShardTransport, StoreReceipt } from '../storage/shard-transport.ts';
import {
  DATA,
  GET,
  LIST,
  LISTED,
  readListed,
  RELEASED,
  STORE,
  STORED,
  UNPIN,
  type ListedPin,
} from './shard-messages.ts';
import { signPinList } from '../storage/pin-list.ts';
import { expectReply, replyBody } from './replies.ts';
import type { Requester } from './requester.ts';

/** The key that owns what this client stores (it must be the key the connection was opened with), and its clock. */
export interface OwnerKey {
  readonly identity: Identity;
  readonly now: () => number;
}

/**
 * The holders a STORED answer names: node ids, each once, at least one and at most `replicas`. Fewer than
 * `replicas` is an answer, not a failure: a tree smaller than the replica count keeps one copy per relay and
 * tops up as relays join (the caller tells the person). None, or more than asked, is refused.
 */
export function readStoredHolders(body: unknown, hash: string, replicas: number): string[] {
  const b = replyBody(STORE, body);
  if (b.hash !== hash) throw new PeerTreeError('BAD_INPUT', `the answer to ${STORE} names another shard`);
  const raw = Array.isArray(b.holders) ? b.holders : [];
  const holders = [...new Set(raw.filter(isNodeId))];
  if (holders.length !== raw.length || holders.length > replicas)
    throw new PeerTreeError('BAD_INPUT', `the answer to ${STORE} lists malformed holders`);
  if (holders.length < 1) throw new PeerTreeError('UNAVAILABLE', 'the relay stored the shard on no relay');
  return holders;
}

/** What a release did, as the relay asked reports it. */
export interface ReleaseOutcome {
  /** Pins released. */
  readonly released: number;
  /**
   * Relays likely to keep a copy that did not answer: each keeps it until it is back and learns of the release
   * from a relay that released (its next repair sweep). 0 from relays that do not report it.
   */
  readonly unreached: number;
}

/** What a RELEASED answer says (counts the relay reports; 0 for any that is missing or malformed). */
export function readReleaseOutcome(body: unknown): ReleaseOutcome {
  const b = replyBody(UNPIN, body);
  const count = (n: unknown) => (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : 0);
  return { released: count(b.released), unreached: count(b.unreached) };
}

export class ShardClient implements ShardTransport {
  /** SHA-256 of each payload received, when the connection's frame verifier computed it (see digestOf). */
  private readonly digests = new WeakMap<Uint8Array, Uint8Array>();

  /** With `owner`, shards can be stored (each with the owner's pin, signed now) and released. */
  constructor(
    private readonly requester: Requester,
    private readonly owner?: OwnerKey,
  ) {}

  async storeShard(hash: string, bytes: Uint8Array, replicas: number, digest?: Uint8Array): Promise<StoreReceipt> {
    if (!Number.isSafeInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS)
      throw new PeerTreeError('BAD_INPUT', `replicas must be 1–${MAX_REPLICAS}`);
    // Relays keep a shard only with its owner's signed pin: storing needs the owner key.
    if (!this.owner) throw new PeerTreeError('BAD_INPUT', 'storing needs the owner key (it signs the pin)');
    const pin = await signPin(this.owner.identity, 'pin', hash, this.owner.now());
    const reply = await this.requester.request(STORE, { hash, replicas, pin }, CLIENT_STORE_TIMEOUT_MS, {
      payload: bytes,
      ...(digest ? { payloadDigest: digest } : {}),
    });
    expectReply(STORE, reply, STORED);
    return { holders: readStoredHolders(reply.body, hash, replicas) };
  }

  /** The bytes of shard `hash`, unverified (the caller checks them against the hash). */
  async fetchShard(hash: string): Promise<Uint8Array> {
    const reply = await this.requester.request(GET, { hash }, CLIENT_REQUEST_TIMEOUT_MS);
    expectReply(GET, reply, DATA);
    if (!reply.payload) return new Uint8Array(0);
    if (reply.payloadDigest) this.digests.set(reply.payload, reply.payloadDigest);
    return reply.payload;
  }

  digestOf(bytes: Uint8Array): Uint8Array | undefined {
    return this.digests.get(bytes);
  }

  /** Releases the owner's pin on `hash` on every relay that holds it (signed now); returns how many released it. */
  async unpin(hash: string): Promise<number> {
    return (await this.release(hash)).released;
  }

  /** As unpin, with how many relays likely to keep a copy did not answer (they release it when they are back). */
  async release(hash: string): Promise<ReleaseOutcome> {
    if (!this.owner) throw new PeerTreeError('BAD_INPUT', 'releasing needs the owner key (it signs the release)');
    const unpin = await signPin(this.owner.identity, 'unpin', hash, this.owner.now());
    const reply = await this.requester.request(UNPIN, { unpin }, CLIENT_REQUEST_TIMEOUT_MS);
    expectReply(UNPIN, reply, RELEASED);
    return readReleaseOutcome(reply.body);
  }

  /**
   * One page of the owner's pins on the relay this client talks to (that relay only), after `after`; `next` is
   * where the following page starts (null: this was the last). The answer is checked (readListed).
   */
  async listPins(
    after: string | null = null,
    limit = MAX_LIST_PAGE,
  ): Promise<{ pins: ListedPin[]; next: string | null }> {
    if (!this.owner) throw new PeerTreeError('BAD_INPUT', 'listing needs the owner key (it signs the request)');
    const list = await signPinList(this.owner.identity, this.owner.now());
    const reply = await this.requester.request(LIST, { list, after, limit }, CLIENT_REQUEST_TIMEOUT_MS);
    expectReply(LIST, reply, LISTED);
    return readListed(reply.body, after, limit);
  }
}
