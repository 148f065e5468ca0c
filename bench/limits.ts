// Suite 1: the ceilings of this run — raw TLS loopback throughput and round trip, SHA-256 and AES-256-GCM
// (WebCrypto) throughput, Ed25519 verifies per second. Every other figure is read against these.
import { connect as tlsConnect, createServer, type TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { createWebCryptoEd25519 } from '../core/crypto/ed25519.ts';
import { ed25519 } from '@noble/curves/ed25519.js';
import { median, rate, result, type BenchResult } from './measure.ts';
import { MiB } from './cluster.ts';

export interface Limits {
  tlsMiBs: number;
  tlsRoundTripMs: number;
  shaMiBs: number;
  aesMiBs: number;
  verifyPerSec: number;
  verify16PerSec: number;
  /** 1 / (1/TLS + 1/SHA + 1/AES): one byte crossing the network once, hashed once and decrypted once, in series. */
  serialMiBs: number;
}

interface TlsPair {
  client: TLSSocket;
  server: TLSSocket;
  close(): void;
}

async function tlsPair(): Promise<TlsPair> {
  const pems = await generate([{ name: 'commonName', value: 'bench' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
  });
  const server = createServer({ cert: pems.cert, key: pems.private });
  const accepted = new Promise<TLSSocket>((r) => server.once('secureConnection', r));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const client = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await new Promise<void>((r, j) => {
    client.once('secureConnect', r);
    client.once('error', j);
  });
  const s = await accepted;
  return {
    client,
    server: s,
    close() {
      client.destroy();
      s.destroy();
      server.close();
    },
  };
}

/** MiB/s of `total` bytes written in 1 MiB writes from client to server, counting until the server read them all. */
async function tlsThroughput(pair: TlsPair, total: number): Promise<number> {
  const block = Buffer.alloc(MiB, 0x5a);
  let received = 0;
  const start = performance.now();
  const done = new Promise<void>((r) => {
    const onData = (d: Buffer) => {
      received += d.length;
      if (received >= total) {
        pair.server.off('data', onData);
        r();
      }
    };
    pair.server.on('data', onData);
  });
  for (let sent = 0; sent < total; sent += MiB) {
    if (!pair.client.write(block)) await new Promise((r) => pair.client.once('drain', r));
  }
  await done;
  return total / MiB / ((performance.now() - start) / 1000);
}

/** Median round trip (ms) of a 64-byte message echoed by the server. */
async function tlsRoundTrip(pair: TlsPair, count: number): Promise<number> {
  pair.server.on('data', (d: Buffer) => pair.server.write(d));
  const msg = Buffer.alloc(64, 1);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    let got = 0;
    await new Promise<void>((r) => {
      const onData = (d: Buffer) => {
        got += d.length;
        if (got >= msg.length) {
          pair.client.off('data', onData);
          r();
        }
      };
      pair.client.on('data', onData);
      pair.client.write(msg);
    });
    times.push(performance.now() - start);
  }
  pair.server.removeAllListeners('data');
  return median(times);
}

export async function limitsSuite(quick: boolean): Promise<{ results: BenchResult[]; limits: Limits }> {
  const samples = quick ? 3 : 7;
  const pair = await tlsPair();
  let tlsMiBs: number;
  let tlsRoundTripMs: number;
  try {
    const total = (quick ? 32 : 256) * MiB;
    await tlsThroughput(pair, total); // warm-up
    const runs: number[] = [];
    for (let i = 0; i < samples; i++) runs.push(await tlsThroughput(pair, total));
    tlsMiBs = median(runs);
    await tlsRoundTrip(pair, 50);
    tlsRoundTripMs = await tlsRoundTrip(pair, quick ? 100 : 1000);
  } finally {
    pair.close();
  }

  const subtle = globalThis.crypto.subtle;
  const block = new Uint8Array(MiB).fill(0x5a);
  const shaMiBs = await rate(() => subtle.digest('SHA-256', block), { count: quick ? 20 : 200, samples });
  const key = await subtle.importKey('raw', new Uint8Array(32).fill(7), { name: 'AES-GCM' }, false, [
    'encrypt',
    'decrypt',
  ]);
  const iv = new Uint8Array(12);
  const aesMiBs = await rate(() => subtle.encrypt({ name: 'AES-GCM', iv }, key, block), {
    count: quick ? 20 : 200,
    samples,
  });

  const web = createWebCryptoEd25519(subtle);
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const message = crypto.getRandomValues(new Uint8Array(256));
  const publicKey = ed25519.getPublicKey(seed);
  const signature = ed25519.sign(message, seed);
  const verifyPerSec = await rate(() => web.verify(publicKey, message, signature), {
    count: quick ? 200 : 2000,
    samples,
  });
  const verify16PerSec = await rate(() => web.verify(publicKey, message, signature), {
    count: quick ? 400 : 4000,
    samples,
    inFlight: 16,
  });
  const serialMiBs = 1 / (1 / tlsMiBs + 1 / shaMiBs + 1 / aesMiBs);

  const limits: Limits = { tlsMiBs, tlsRoundTripMs, shaMiBs, aesMiBs, verifyPerSec, verify16PerSec, serialMiBs };
  const results = [
    result('limit: TLS loopback, 1 MiB writes', tlsMiBs, 'MiB/s', 'higher'),
    result('limit: TLS loopback round trip, 64 B', tlsRoundTripMs, 'ms', 'lower'),
    result('limit: SHA-256 1 MiB (WebCrypto)', shaMiBs, 'MiB/s', 'higher'),
    result('limit: AES-256-GCM 1 MiB (WebCrypto)', aesMiBs, 'MiB/s', 'higher'),
    result('limit: Ed25519 verify (WebCrypto)', verifyPerSec, 'ops/s', 'higher'),
    result('limit: Ed25519 verify (WebCrypto, 16 in flight)', verify16PerSec, 'ops/s', 'higher'),
    result('limit: serial 1/(1/TLS+1/SHA+1/AES)', serialMiBs, 'MiB/s', 'higher'),
  ];
  return { results, limits };
}
