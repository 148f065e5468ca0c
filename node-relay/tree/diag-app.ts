// The diag application (only with `peertree relay --diag`): a test and diagnostics hook built on the tree
// API like any application. A connected client may ask the relay to broadcast a note (`diag.broadcast`)
// or send one to a relay id through the outbox (`diag.send`); every relay records the notes it delivers,
// with a delivery count per message id, under `diag` in /api/status. Never enable it on a public relay:
// any client may then make the tree carry small messages.
import { PeerTreeError } from '../../core/errors.ts';
import { isNodeId } from '../../core/identity/node-id.ts';
import type { Dispatcher } from '../ws/dispatcher.ts';
import type { TreeApi } from './tree-api.ts';
import { MAX_DIAG_RECEIPTS, MAX_DIAG_TEXT } from '../../core/limits.ts';

export const DIAG_NOTE = 'diag.note';
export const DIAG_BROADCAST = 'diag.broadcast';
export const DIAG_SEND = 'diag.send';
export const DIAG_OK = 'diag.ok';

export interface DiagReceipt {
  readonly mid: string;
  readonly from: string;
  readonly text: string;
  readonly broadcast: boolean;
  /** How many times this relay's tree API delivered the message (exactly-once means 1). */
  count: number;
}

function textOf(body: unknown): string {
  const text = (body as { text?: unknown } | null)?.text;
  if (typeof text !== 'string' || text.length > MAX_DIAG_TEXT)
    throw new PeerTreeError('BAD_INPUT', `diag text must be a string of at most ${MAX_DIAG_TEXT} characters`);
  return text;
}

export function startDiagApp(
  api: TreeApi,
  dispatcher: Dispatcher,
): { status(): { receipts: DiagReceipt[] }; stop(): void } {
  const receipts = new Map<string, DiagReceipt>();
  const off = [
    api.on(DIAG_NOTE, (m) => {
      const key = `${m.from}|${m.mid}`;
      const seen = receipts.get(key);
      if (seen !== undefined) {
        seen.count++;
        return;
      }
      receipts.set(key, { mid: m.mid, from: m.from, text: textOf(m.body), broadcast: m.broadcast, count: 1 });
      if (receipts.size > MAX_DIAG_RECEIPTS) receipts.delete(receipts.keys().next().value!);
    }),
    dispatcher.on(DIAG_BROADCAST, async (message, link) => {
      const mid = api.broadcast(DIAG_NOTE, { text: textOf(message.body) });
      await link.reply(message, DIAG_OK, { mid });
    }),
    dispatcher.on(DIAG_SEND, async (message, link) => {
      const to = (message.body as { to?: unknown } | null)?.to;
      if (!isNodeId(to)) throw new PeerTreeError('BAD_INPUT', 'diag.send needs a relay id in `to`');
      const mid = api.send(to, DIAG_NOTE, { text: textOf(message.body) });
      await link.reply(message, DIAG_OK, { mid });
    }),
  ];
  return {
    status: () => ({ receipts: [...receipts.values()].map((r) => ({ ...r })) }),
    stop: () => {
      for (const f of off) f();
    },
  };
}
