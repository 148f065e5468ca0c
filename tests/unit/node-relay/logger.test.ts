import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../node-relay/logger.ts';

describe('logger (pino)', () => {
  it('writes one JSON object per line with level, t, msg and the fields, and honours the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l), now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    log.debug('hidden');
    log.info('started', { id: 'abc', n: 3 });
    log.error('failed', { error: 'boom' });
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'info',
      t: '2026-01-02T03:04:05.000Z',
      msg: 'started',
      id: 'abc',
      n: 3,
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'error', msg: 'failed', error: 'boom' });
  });

  it('never writes secrets, at the top level or one below', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    log.warn('careless', {
      seed: '00'.repeat(32),
      token: 't',
      nested: { privateKey: 'pk', capability: 'pt1.x.KEY' },
      fine: 1,
    });
    const entry = JSON.parse(lines[0]!);
    expect(entry.seed).toBe('[redacted]');
    expect(entry.token).toBe('[redacted]');
    expect(entry.nested).toEqual({ privateKey: '[redacted]', capability: '[redacted]' });
    expect(entry.fine).toBe(1);
  });

  it('survives fields that cannot be serialized', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    log.info('loop', { loop, big: 10n });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).msg).toBe('loop');
  });
});
