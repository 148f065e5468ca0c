// The WAN suite's baseline server, run inside a relay's namespace: a plain node:https server (self-signed) that
// serves one file (GET /file, or one byte range of it with `Range: bytes=A-B`) and takes an upload (PUT /upload,
// answered with the byte count once the whole body has arrived, as a store answers a PUT).
// `run-ts bench/wan/https-server.ts HOST PORT FILE`; prints "ready".
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:https';
import { generate } from 'selfsigned';

const [host, port, file] = process.argv.slice(2);
if (!host || !port || !file) {
  process.stderr.write('usage: https-server.ts HOST PORT FILE\n');
  process.exit(2);
}
const size = statSync(file).size;
const pems = await generate([{ name: 'commonName', value: 'bench' }], {
  keyType: 'ec',
  curve: 'P-256',
  algorithm: 'sha256',
});
const server = createServer({ cert: pems.cert, key: pems.private }, (req, res) => {
  if (req.method === 'GET' && req.url === '/file') {
    // One range only (the spread baseline asks each server for its own slice); anything else is the whole file.
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m ? Math.min(Number(m[2]), size - 1) : size - 1;
    if (m && start > end) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    const headers = { 'content-type': 'application/octet-stream', 'content-length': String(end - start + 1) };
    if (m) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}` });
    else res.writeHead(200, headers);
    createReadStream(file, { start, end, highWaterMark: 1024 * 1024 }).pipe(res);
    return;
  }
  if (req.method === 'PUT' && req.url === '/upload') {
    let got = 0;
    req.on('data', (d: Buffer) => (got += d.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(String(got));
    });
    return;
  }
  res.writeHead(404).end();
});
server.listen(Number(port), host, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
