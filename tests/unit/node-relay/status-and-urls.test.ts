import { describe, expect, it } from 'vitest';
import {
  buildStatus,
  LONE_ROOT,
  EMPTY_STORAGE,
  mergeCounters,
  type StatusSources,
} from '../../../node-relay/status.ts';
import { toWebSocketUrl } from '../../../node-relay/ws/connector.ts';
import { statusUrl } from '../../../node-relay/http/status-client.ts';
import { pingNonce } from '../../../node-relay/ws/ping.ts';
import { errorCodeForClose } from '../../../node-relay/ws/signed-send.ts';
import { requestPath } from '../../../node-relay/http/request-handler.ts';

describe('buildStatus', () => {
  const sources: StatusSources = {
    self: {
      id: 'aaaaaaaaaaaaaaaa',
      publicKey: 'ab'.repeat(32),
      treeId: 'cd'.repeat(16),
      url: 'https://127.0.0.1:1',
      version: '0.1.0',
      maxPeers: 4,
      replicas: 3,
    },
    tree: () => LONE_ROOT,
    storage: () => EMPTY_STORAGE,
    uptimeMs: () => 12.6,
    connections: () => 2,
    peers: () => [],
    drops: () => ({ stale: 1 }),
  };

  it('describes a lone root', () => {
    expect(buildStatus(sources)).toEqual({
      view: 'admin',
      id: 'aaaaaaaaaaaaaaaa',
      publicKey: 'ab'.repeat(32),
      treeId: 'cd'.repeat(16),
      url: 'https://127.0.0.1:1',
      version: '0.1.0',
      position: 0,
      epoch: 0,
      parent: null,
      children: [],
      size: 1,
      depth: 0,
      maxPeers: 4,
      replicas: 3,
      shards: 0,
      bytes: 0,
      outbox: 0,
      uptimeMs: 13,
      connections: 2,
      peers: [],
      drops: { stale: 1 },
    });
  });

  it('merges counters key by key', () => {
    expect(mergeCounters({ a: 1, b: 2 }, { b: 3, c: 4 })).toEqual({ a: 1, b: 5, c: 4 });
  });
});

describe('URL helpers', () => {
  it('turns relay URLs into WebSocket URLs', () => {
    expect(toWebSocketUrl('https://127.0.0.1:8443')).toBe('wss://127.0.0.1:8443/ws');
    expect(toWebSocketUrl('https://127.0.0.1:8443/')).toBe('wss://127.0.0.1:8443/ws');
    expect(toWebSocketUrl('wss://[::1]:1/ws')).toBe('wss://[::1]:1/ws');
    expect(toWebSocketUrl('http://localhost:2')).toBe('ws://localhost:2/ws');
    expect(() => toWebSocketUrl('ftp://x')).toThrow(/relay URL/);
    expect(() => toWebSocketUrl('https://x/other')).toThrow(/path/);
    expect(() => toWebSocketUrl('https://u:p@x')).toThrow(/credentials/);
    expect(() => toWebSocketUrl('nope')).toThrow(/not a URL/);
  });

  it('turns relay URLs into status URLs', () => {
    expect(statusUrl('https://127.0.0.1:8443').href).toBe('https://127.0.0.1:8443/api/status');
    expect(statusUrl('wss://127.0.0.1:8443/ws').href).toBe('https://127.0.0.1:8443/api/status');
    expect(statusUrl('ws://[::1]:3/ws').href).toBe('http://[::1]:3/api/status');
    expect(() => statusUrl('file:///etc/passwd')).toThrow();
  });

  it('splits request targets', () => {
    expect(requestPath('/a/b?x=1')).toBe('/a/b');
    expect(requestPath('/a#f')).toBe('/a');
    expect(requestPath('http://evil/x')).toBeNull();
    expect(requestPath('*')).toBeNull();
  });
});

describe('message helpers', () => {
  it('validates ping nonces', () => {
    expect(pingNonce({ nonce: 'abc-123_X' })).toBe('abc-123_X');
    for (const body of [null, [], 'x', {}, { nonce: '' }, { nonce: 'x'.repeat(65) }, { nonce: 'a b' }, { nonce: 5 }]) {
      expect(() => pingNonce(body)).toThrow();
    }
  });

  it('maps close codes back to error codes', () => {
    expect(errorCodeForClose(4408)).toBe('TIMEOUT');
    expect(errorCodeForClose(4403)).toBe('FORBIDDEN');
    expect(errorCodeForClose(1001)).toBe('CLOSED');
    expect(errorCodeForClose(1006)).toBe('UNAVAILABLE');
  });
});
