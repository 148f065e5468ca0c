// The dispatcher counts normal refusals by reason and only INTERNAL failures as handler errors; a full disk
// (ENOSPC) is its own reason and logs one disk.full warning; every request gets a debug line.
import { describe, expect, it } from 'vitest';
import { PeerTreeError } from '../../../core/errors.ts';
import type { Message } from '../../../core/wire/index.ts';
import { createLogger } from '../../../node-relay/logger.ts';
import { Dispatcher, refusalReason } from '../../../node-relay/ws/dispatcher.ts';
import { newDropCounters } from '../../../node-relay/ws/drop-counters.ts';
import type { Link } from '../../../node-relay/ws/link.ts';

const link = { peerKeyHex: 'ab'.repeat(32), replyError: async () => {} } as unknown as Link;
const message = (type: string) => ({ type, fromId: 'cccccccccccccccc', body: {} }) as unknown as Message;

function setup() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'debug',
    write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  const counters = newDropCounters();
  const dispatcher = new Dispatcher(logger, counters);
  const enospc = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
  dispatcher.on('disk', () => {
    throw new PeerTreeError('FULL', 'disk is full', { cause: enospc });
  });
  // The relay's database lives on the same disk: better-sqlite3 throws a plain error with code SQLITE_FULL.
  dispatcher.on('db', () => {
    throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  });
  dispatcher.on('quota', () => {
    throw new PeerTreeError('FULL', 'quota used up');
  });
  dispatcher.on('busy', () => {
    throw new PeerTreeError('UNAVAILABLE');
  });
  dispatcher.on('bug', () => {
    throw new Error('oops');
  });
  dispatcher.on('fine', () => {});
  return { dispatcher, counters, lines };
}

describe('dispatcher refusals', () => {
  it('names a full disk apart from a full quota', () => {
    expect(
      refusalReason(
        new PeerTreeError('FULL', 'disk is full', { cause: Object.assign(new Error(), { code: 'ENOSPC' }) }),
      ),
    ).toBe('disk_full');
    expect(refusalReason(new PeerTreeError('FULL'))).toBe('full');
    expect(refusalReason(new PeerTreeError('UNAVAILABLE'))).toBe('unavailable');
  });

  it('answers a database write that met a full disk with FULL, as a shard write that did', async () => {
    const { dispatcher } = setup();
    const answers: PeerTreeError[] = [];
    const l = { ...link, replyError: async (_m: Message, e: PeerTreeError) => void answers.push(e) } as unknown as Link;
    await dispatcher.dispatch(message('db'), l);
    expect(answers.map((e) => [e.code, e.message])).toEqual([['FULL', 'disk is full']]);
  });

  it('counts refusals by reason and only the INTERNAL failure as a handler error', async () => {
    const { dispatcher, counters } = setup();
    for (const type of ['disk', 'disk', 'db', 'quota', 'busy', 'bug', 'fine'])
      await dispatcher.dispatch(message(type), link);
    expect(dispatcher.refusals).toEqual({ disk_full: 3, full: 1, unavailable: 1 });
    expect(counters['handler-error']).toBe(1);
    expect(dispatcher.stats.get('busy')!.errors).toBe(0);
    expect(dispatcher.stats.get('bug')!.errors).toBe(1);
  });

  it('logs disk.full once for a burst and a request line per message at debug', async () => {
    const { dispatcher, lines } = setup();
    for (const type of ['disk', 'disk', 'fine']) await dispatcher.dispatch(message(type), link);
    expect(lines.filter((l) => l.event === 'disk.full')).toHaveLength(1);
    expect(lines.filter((l) => l.event === 'request').map((l) => l.outcome)).toEqual(['disk_full', 'disk_full', 'ok']);
  });
});
