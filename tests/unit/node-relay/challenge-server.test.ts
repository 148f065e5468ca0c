// The HTTP-01 listener answers the token of the order in progress with its key authorization, and 404 for
// anything else: other paths, other methods, removed or malformed tokens.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startChallengeServer, type ChallengeServer } from '../../../node-relay/acme/challenge-server.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';

const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
let server: ChallengeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP-01 challenge listener', () => {
  it('answers a set token with its key authorization until it is removed', async () => {
    server = await startChallengeServer('127.0.0.1', 0, silentLogger);
    server.set(TOKEN, `${TOKEN}.thumbprint`);
    expect(await get(server.port, `/.well-known/acme-challenge/${TOKEN}`)).toEqual({
      status: 200,
      body: `${TOKEN}.thumbprint`,
    });
    server.remove(TOKEN);
    expect((await get(server.port, `/.well-known/acme-challenge/${TOKEN}`)).status).toBe(404);
  });

  it('answers 404 for every other path and method: it is no second door into the relay', async () => {
    server = await startChallengeServer('127.0.0.1', 0, silentLogger);
    server.set(TOKEN, 'x');
    for (const path of [
      '/',
      '/api/status',
      '/metrics',
      '/.well-known/acme-challenge/',
      '/.well-known/acme-challenge/../api/status',
      `/.well-known/acme-challenge/${TOKEN}/x`,
    ]) {
      expect((await get(server.port, path)).status, path).toBe(404);
    }
    expect((await get(server.port, `/.well-known/acme-challenge/${TOKEN}`, 'POST')).status).toBe(404);
    expect(() => server!.set('not/base64url', 'x')).toThrow(/base64url/);
  });

  it('says which flag to change when its port is taken', async () => {
    server = await startChallengeServer('127.0.0.1', 0, silentLogger);
    await expect(startChallengeServer('127.0.0.1', server.port, silentLogger)).rejects.toThrow(/--acme-http-port/);
  });
});
