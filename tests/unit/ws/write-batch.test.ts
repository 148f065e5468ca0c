// WriteBatch over a real loopback WebSocket: small frames of one turn leave together, in order; a large one flushes.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { SEND_BATCH_MAX_FRAME_BYTES } from '../../../core/limits.ts';
import { WriteBatch } from '../../../node-relay/ws/write-batch.ts';

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

/** A client socket connected to a server that records every binary message it receives. */
async function pair(): Promise<{ ws: WebSocket; received: Buffer[]; socket: { writableCorked: number } }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  open.push(server);
  await once(server, 'listening');
  const received: Buffer[] = [];
  server.on('connection', (peer) => peer.on('message', (data) => received.push(data as Buffer)));
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  open.push(ws);
  await once(ws, 'open');
  const socket = (ws as unknown as { _socket: { writableCorked: number } })._socket;
  return { ws, received, socket };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('WriteBatch', () => {
  it('holds the small frames of one turn and writes them, in order, in the same turn', async () => {
    const { ws, received, socket } = await pair();
    const batch = new WriteBatch(ws);
    for (let i = 0; i < 5; i++) {
      batch.beforeSend(1);
      ws.send(Uint8Array.of(i), { binary: true });
    }
    expect(socket.writableCorked).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(socket.writableCorked).toBe(0);
    await until(() => received.length === 5);
    expect(received.map((b) => b[0])).toEqual([0, 1, 2, 3, 4]);
  });

  it('flushes what it holds before a large frame, which is written uncorked', async () => {
    const { ws, received, socket } = await pair();
    const batch = new WriteBatch(ws);
    batch.beforeSend(1);
    ws.send(Uint8Array.of(7), { binary: true });
    expect(socket.writableCorked).toBe(1);
    const large = new Uint8Array(SEND_BATCH_MAX_FRAME_BYTES + 1).fill(9);
    batch.beforeSend(large.length);
    expect(socket.writableCorked).toBe(0);
    ws.send(large, { binary: true });
    await until(() => received.length === 2);
    expect(received[0]).toEqual(Buffer.of(7));
    expect(received[1]!.length).toBe(large.length);
  });
});
