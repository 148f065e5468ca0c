import { describe, expect, it } from 'vitest';
import { TreeApp } from '../../../core/tree/app.ts';
import type { TreeEffect } from '../../../core/tree/types.ts';
import { memberState } from './fixtures.ts';

function pair() {
  let now = 1_000;
  const apps = new Map<string, TreeApp>();
  const queue: { to: string; from: string; msgType: string; body: unknown }[] = [];
  const make = (i: number) => {
    const id = `r${i}`;
    const app = new TreeApp(memberState(i, 2), (effects: readonly TreeEffect[]) => {
      for (const e of effects) if (e.kind === 'send') queue.push({ to: e.to.id, from: id, msgType: e.msgType, body: JSON.parse(JSON.stringify(e.body)) });
    }, () => now);
    apps.set(id, app);
    return app;
  };
  const a = make(0);
  const b = make(1);
  const flush = () => {
    while (queue.length > 0) {
      const m = queue.shift()!;
      apps.get(m.to)!.input({ type: 'message', now, from: m.from, msgType: m.msgType, body: m.body });
    }
  };
  return { a, b, flush, advance: (ms: number) => (now += ms) };
}

describe('the application API', () => {
  it('hands a sent message to the handler registered for its type, once', () => {
    const { a, b, flush } = pair();
    const got: unknown[] = [];
    b.on('note', (m) => got.push(m.body));
    b.on('other', () => got.push('wrong'));
    a.send({ id: 'r1' }, 'note', { hi: 1 });
    flush();
    expect(got).toEqual([{ hi: 1 }]);
    expect(a.state.outbox).toEqual([]);
  });

  it('resolves a request with the reply of the other relay', async () => {
    const { a, b, flush } = pair();
    b.on('ask', (m) => b.reply(m.from, m.requestId!, 'answer', { twice: (m.body as number) * 2 }));
    const answer = a.request({ id: 'r1' }, 'ask', 21, 5_000);
    flush();
    await expect(answer).resolves.toEqual({ twice: 42 });
  });

  it('rejects a request nobody answers with TIMEOUT', async () => {
    const { a, advance } = pair();
    const answer = a.request({ id: 'r1' }, 'ask', 1, 2_000);
    advance(3_000);
    a.input({ type: 'tick', now: 4_000 });
    await expect(answer).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('delivers a broadcast to the handlers of both relays', () => {
    const { a, b, flush } = pair();
    const seen: string[] = [];
    a.on('news', () => seen.push('r0'));
    b.on('news', () => seen.push('r1'));
    b.broadcast('news', {});
    flush();
    expect(seen.sort()).toEqual(['r0', 'r1']);
  });
});
