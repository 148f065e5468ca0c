// The `relay.leave` admin frame: refused with FORBIDDEN unless signed by the relay's own key; from that key it
// runs the leave, answers `relay.left`, waits for the operator to hang up and only then tells the owner to shut
// down; a second request is a CONFLICT.
import { beforeAll, describe, expect, it } from 'vitest';
import type { PeerTreeError } from '../../../core/errors.ts';
import { generateIdentity, type Identity } from '../../../core/identity/index.ts';
import { encodeFrame, FrameVerifier, type Message } from '../../../core/wire/index.ts';
import { RELAY_LEAVE, RELAY_LEFT, registerSelfLeave } from '../../../node-relay/admin/self-leave.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';
import { Dispatcher } from '../../../node-relay/ws/dispatcher.ts';
import { newDropCounters } from '../../../node-relay/ws/drop-counters.ts';
import type { Link } from '../../../node-relay/ws/link.ts';

const TREE = 'ab'.repeat(16);
let relay: Identity;
let stranger: Identity;

beforeAll(async () => {
  relay = (await generateIdentity()).identity;
  stranger = (await generateIdentity()).identity;
});

/** A verified relay.leave message signed by `signer`, as the dispatcher receives it. */
async function leaveFrom(signer: Identity): Promise<Message> {
  const verifier = new FrameVerifier({ treeId: () => TREE, now: () => Date.now() });
  const result = await verifier.verify(
    await encodeFrame({ type: RELAY_LEAVE, tree: TREE, to: null, ts: Date.now(), body: {} }, signer),
  );
  if (!result.ok) throw new Error(`test frame did not verify: ${result.reason}`);
  return result.message;
}

/** A link that records what the handler answers. */
function recordingLink() {
  const replies: { type: string; body: unknown }[] = [];
  const errors: PeerTreeError[] = [];
  const link = {
    peerKeyHex: 'ff'.repeat(32),
    reply: async (_m: Message, type: string, body: unknown) => {
      replies.push({ type, body });
      return 'id';
    },
    replyError: async (_m: Message, error: PeerTreeError) => void errors.push(error),
    // The operator hangs up as soon as it has the answer.
    onClose: (cb: () => void) => void queueMicrotask(cb),
  } as unknown as Link;
  return { link, replies, errors };
}

function setup(leaveResult = true, sleep: () => Promise<void> = () => new Promise<void>(() => {})) {
  const dispatcher = new Dispatcher(silentLogger, newDropCounters());
  const events: string[] = [];
  registerSelfLeave(dispatcher, {
    selfId: relay.id,
    leave: async () => {
      events.push('leave');
      return leaveResult;
    },
    onLeft: (left) => void events.push(`left:${left}`),
    sleep,
  });
  return { dispatcher, events };
}

describe('the relay.leave admin frame', () => {
  it('is refused with FORBIDDEN when another key signed it, and the relay neither leaves nor stops', async () => {
    const { dispatcher, events } = setup();
    const { link, replies, errors } = recordingLink();
    await dispatcher.dispatch(await leaveFrom(stranger), link);
    expect(errors.map((e) => e.code)).toEqual(['FORBIDDEN']);
    expect(errors[0]!.message).toMatch(/only from this relay's own key/);
    expect(replies).toEqual([]);
    expect(events).toEqual([]);
  });

  it("from the relay's own key runs the leave, answers relay.left, and then tells the owner to stop", async () => {
    const { dispatcher, events } = setup(true);
    const { link, replies, errors } = recordingLink();
    await dispatcher.dispatch(await leaveFrom(relay), link);
    expect(errors).toEqual([]);
    expect(replies).toEqual([{ type: RELAY_LEFT, body: { left: true } }]);
    expect(events).toEqual(['leave', 'left:true']);
  });

  it('reports an unconfirmed leave as left: false and still tells the owner to stop', async () => {
    const { dispatcher, events } = setup(false);
    const { link, replies } = recordingLink();
    await dispatcher.dispatch(await leaveFrom(relay), link);
    expect(replies).toEqual([{ type: RELAY_LEFT, body: { left: false } }]);
    expect(events).toEqual(['leave', 'left:false']);
  });

  it('stops after its bounded wait when the operator never hangs up', async () => {
    const { dispatcher, events } = setup(true, () => Promise.resolve());
    const { link, replies } = recordingLink();
    (link as unknown as { onClose: () => void }).onClose = () => {};
    await dispatcher.dispatch(await leaveFrom(relay), link);
    expect(replies).toEqual([{ type: RELAY_LEFT, body: { left: true } }]);
    expect(events).toEqual(['leave', 'left:true']);
  });

  it('answers a second request with CONFLICT: the relay leaves once', async () => {
    const { dispatcher, events } = setup();
    const first = recordingLink();
    const second = recordingLink();
    await dispatcher.dispatch(await leaveFrom(relay), first.link);
    await dispatcher.dispatch(await leaveFrom(relay), second.link);
    expect(second.errors.map((e) => e.code)).toEqual(['CONFLICT']);
    expect(events).toEqual(['leave', 'left:true']);
  });
});
