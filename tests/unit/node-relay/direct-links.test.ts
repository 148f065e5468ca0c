// The routed transport's pool of direct links: opened once per member, counted only once their handshake proved
// the member's key, and all closed with the transfer.
import { describe, expect, it } from 'vitest';
import { MAX_ROUTED_LINKS } from '../../../core/limits.ts';
import { DirectLinks } from '../../../node-relay/storage/direct-links.ts';
import type { Link } from '../../../node-relay/ws/link.ts';

interface FakeLink {
  readonly peerId: string;
  closed: boolean;
}

/** A connect whose handshakes finish when `finish(url)` is called; each link proves `proves(url)`. */
function fakeConnect(proves: (url: string) => string = (url) => url.replace('wss://', '')) {
  const links: FakeLink[] = [];
  const waiting = new Map<string, () => void>();
  let dials = 0;
  const connect = async (url: string): Promise<Link> => {
    dials++;
    await new Promise<void>((r) => waiting.set(url, r));
    const link: FakeLink & { close: () => void } = {
      peerId: proves(url),
      closed: false,
      close() {
        this.closed = true;
      },
    };
    links.push(link);
    return link as unknown as Link;
  };
  const finish = async (url: string) => {
    waiting.get(url)?.();
    // Let the pool's continuation run.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { connect, finish, links, dials: () => dials };
}

const member = (id: string) => ({ id, url: `wss://${id}` });

describe('the direct links of a routed transfer', () => {
  it('dials a member once, however many shards ask for it, and counts it ready only after its handshake', async () => {
    const net = fakeConnect();
    const pool = new DirectLinks(net.connect);
    pool.open(member('a'));
    const asked = pool.client(member('a'));
    expect(pool.isReady('a')).toBe(false);
    await net.finish('wss://a');
    await asked;
    expect(pool.isReady('a')).toBe(true);
    await pool.client(member('a'));
    expect(net.dials()).toBe(1);
  });

  it('drops a member whose link proves another key, and does not dial it again', async () => {
    const net = fakeConnect(() => 'mallory');
    const pool = new DirectLinks(net.connect);
    const asked = pool.client(member('a'));
    await net.finish('wss://a');
    await expect(asked).rejects.toThrow(/proved key mallory, not member a/);
    expect(pool.isBroken('a')).toBe(true);
    expect(pool.isReady('a')).toBe(false);
    expect(net.links[0]!.closed).toBe(true);
    pool.open(member('a'));
    expect(net.dials()).toBe(1);
  });

  it('closes its open links, and a link that comes up after the transfer ended, at once', async () => {
    const net = fakeConnect();
    const pool = new DirectLinks(net.connect);
    const a = pool.client(member('a'));
    await net.finish('wss://a');
    await a;
    const late = pool.client(member('b'));
    late.catch(() => {});
    pool.close();
    await net.finish('wss://b');
    await expect(late).rejects.toThrow(/closed/);
    expect(net.links.map((l) => l.closed)).toEqual([true, true]);
    await expect(pool.client(member('c'))).rejects.toThrow(/closed/);
  });

  it(`holds at most ${MAX_ROUTED_LINKS} links`, async () => {
    const net = fakeConnect();
    const pool = new DirectLinks(net.connect);
    for (let i = 0; i < MAX_ROUTED_LINKS; i++) pool.open(member(`m${i}`));
    await expect(pool.client(member('one-more'))).rejects.toThrow(/too many direct links/);
    expect(net.dials()).toBe(MAX_ROUTED_LINKS);
    // Refused for the bound, not for the member: it is not marked broken.
    expect(pool.isBroken('one-more')).toBe(false);
  });
});
