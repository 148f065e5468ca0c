// Adversaries for the simulator: an outsider (a key that never joined) and an insider (a member's own key)
// sending forged, replayed and equivocating tree messages to honest relays. Both are omniscient (they read
// the victim's state) and sign for real with their own keys; neither holds any other relay's key.
import { recordHash, signRecord, signSuspicion, type EpochRecord } from '../../core/tree/epoch-record.ts';
import { MSG } from '../../core/tree/messages.ts';
import type { Membership, MembershipOp, TreeState } from '../../core/tree/types.ts';
import type { Prng } from './prng.ts';
import type { SimIdentity } from './sim-keys.ts';
import type { World } from './world.ts';

export const OUTSIDER = 'x0';

/** The forgeries an adversary can send, by name (the transcripts name them; `act` picks one at random). */
export const FORGERIES = [
  'remove-root',
  'add-self',
  'forged-history',
  'bogus-version',
  'false-report',
  'leave-for-other',
  'suspicion',
  'equivocation',
  'takeover-without-quorum',
  'replay',
] as const;
export type Forgery = (typeof FORGERIES)[number];

/** Honest messages seen on the wire, for replays (bounded). */
export class WireCapture {
  readonly bodies: { msgType: string; body: unknown }[] = [];

  add(msgType: string, body: unknown): void {
    if (msgType !== MSG.update && msgType !== MSG.sync && msgType !== MSG.suspect) return;
    this.bodies.push({ msgType, body });
    if (this.bodies.length > 64) this.bodies.shift();
  }
}

export class Adversary {
  sent = 0;

  constructor(
    private readonly world: World,
    private readonly rng: Prng,
    /** The signing identity used: the outsider's, or the insider's own member key. */
    private readonly me: SimIdentity,
    private readonly capture: WireCapture,
  ) {}

  get id(): string {
    return this.me.ref.id;
  }

  /** Sends one forged message to a random live honest relay that is in a tree. */
  act(victims: readonly string[]): void {
    const live = victims.filter(
      (id) => id !== this.id && this.world.node(id).alive && this.world.node(id).state.membership.members.length > 0,
    );
    if (live.length === 0) return;
    const to = this.rng.pick(live);
    const s = this.world.node(to).state;
    // A member that is the root of the victim's view signs valid records by the rules: that is a malicious
    // root, which docs/security.md treats on its own; this adversary models a malicious non-root member.
    if (s.membership.members[0]!.id === this.id) return;
    this.send(to, FORGERIES[this.rng.int(FORGERIES.length)]!);
  }

  /** Sends forgery `kind`, made against `to`'s current view; returns its message type (null: nothing to replay). */
  send(to: string, kind: Forgery): string | null {
    const forged = this.forge(this.world.node(to).state, FORGERIES.indexOf(kind));
    if (forged === null) return null;
    this.sent++;
    this.world.inject(this.id, to, forged.msgType, forged.body);
    return forged.msgType;
  }

  private record(
    s: TreeState,
    ops: readonly MembershipOp[],
    e = s.membership.epoch + 1,
    p = s.membership.digest,
  ): EpochRecord {
    return signRecord(this.me.env, { t: s.treeId, e, p, ops, by: this.id, ev: [] });
  }

  private forge(s: TreeState, pick: number): { msgType: string; body: unknown } | null {
    const m = s.membership;
    const root = m.members[0]!;
    const self = this.me.ref;
    const version = { t: s.treeId, e: m.epoch, d: m.digest, from: self };
    switch (pick) {
      case 0: {
        // Put myself at position 0: remove the root, which moves the last member to 0 … and add me.
        const ops: MembershipOp[] = [{ op: 'remove', ref: root, at: 0, reason: 'dead' }];
        return { msgType: MSG.update, body: { t: s.treeId, r: this.record(s, ops) } };
      }
      case 1: {
        const ops: MembershipOp[] = [{ op: 'add', ref: { ...self, url: `sim://${self.id}` }, adm: '' }];
        return { msgType: MSG.update, body: { t: s.treeId, r: this.record(s, ops) } };
      }
      case 2: {
        // A whole forged history: a higher epoch, my own records, and a checkpoint that makes me root.
        const fake: Membership = { epoch: m.epoch + 50, digest: '', members: [self, ...m.members] };
        const r1 = this.record(s, [{ op: 'add', ref: self, adm: '' }]);
        const r2 = this.record(
          s,
          [{ op: 'remove', ref: root, at: 0, reason: 'dead' }],
          r1.e + 1,
          recordHash(this.me.env, r1),
        );
        return {
          msgType: MSG.sync,
          body: { t: s.treeId, recs: [r1, r2], m: { ...fake, digest: recordHash(this.me.env, r2) }, from: self },
        };
      }
      case 3:
        return {
          msgType: this.rng.pick([MSG.heartbeat, MSG.probe, MSG.syncRequest]),
          body: { ...version, e: m.epoch + 1 + this.rng.int(1_000_000), d: 'ef'.repeat(32) },
        };
      case 4:
        return { msgType: MSG.report, body: { t: s.treeId, e: m.epoch, dead: this.rng.pick(m.members).id } };
      case 5:
        // A leave in another member's name (the body's from is not the sender).
        return { msgType: MSG.leave, body: { t: s.treeId, e: m.epoch, from: this.rng.pick(m.members) } };
      case 6: {
        const of = this.rng.pick(m.members.slice(0, Math.min(m.members.length, s.k + 1)));
        return {
          msgType: MSG.suspect,
          body: {
            t: s.treeId,
            e: m.epoch,
            d: m.digest,
            s: signSuspicion(this.me.env, s.treeId, m.epoch, m.digest, of.id, this.id),
          },
        };
      }
      case 7: {
        // Equivocation: two different next records for the same epoch; this victim gets one of them.
        const a = this.record(s, [
          { op: 'remove', ref: m.members[m.members.length - 1]!, at: m.members.length - 1, reason: 'dead' },
        ]);
        const b = this.record(s, [{ op: 'add', ref: self, adm: '' }]);
        return { msgType: MSG.update, body: { t: s.treeId, r: this.rng.chance(0.5) ? a : b } };
      }
      case 8: {
        // A takeover with evidence that is not a quorum: my own suspicion only.
        const ev = [signSuspicion(this.me.env, s.treeId, m.epoch, m.digest, root.id, this.id)];
        const r = signRecord(this.me.env, {
          t: s.treeId,
          e: m.epoch + 1,
          p: m.digest,
          ops: [{ op: 'remove', ref: root, at: 0, reason: 'dead' }],
          by: this.id,
          ev,
        });
        return { msgType: MSG.update, body: { t: s.treeId, r } };
      }
      default: {
        const old = this.capture.bodies.length === 0 ? null : this.rng.pick(this.capture.bodies);
        return old === null ? null : { msgType: old.msgType, body: old.body };
      }
    }
  }
}
