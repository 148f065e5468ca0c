// Service worker side of streaming: answers `/stream/ID` (a media element's Range requests, or a download) by
// fetching, verifying and decrypting only the shards that hold the bytes asked for. ID names a capability the
// page registered in IndexedDB (stream-register.ts), so no key is ever in a URL that could reach a relay.
import { STREAM_CHUNK_BYTES } from '../../../core/limits.ts';
import { toPeerTreeError } from '../../../core/errors.ts';
import { getFile, openFile } from '../../../core/storage/get-file.ts';
import { openPeerTreeDB } from '../data/db.ts';
import { relayCandidates } from '../data/relays.ts';
import { IdbShardStore } from '../data/idb-shard-store.ts';
import { CachingTransport } from '../sync/socket-transport.ts';
import { answerRange, rangeHeaders } from './stream-range.ts';
import { STREAM_PATH, streamSettingKey, STREAM_ID_RE } from './stream-register.ts';

export function isStreamRequest(url: URL, origin: string): boolean {
  return url.origin === origin && url.pathname.startsWith(STREAM_PATH);
}

function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

export async function answerStream(request: Request, origin: string): Promise<Response> {
  const id = new URL(request.url).pathname.slice(STREAM_PATH.length);
  if (!STREAM_ID_RE.test(id)) return plain(404, 'no such stream');
  const db = await openPeerTreeDB();
  const value = (await db.get('settings', streamSettingKey(id)))?.value as { capability?: unknown } | undefined;
  const capability = typeof value?.capability === 'string' ? value.capability : null;
  if (!capability) return plain(404, 'no such stream: open the file again');
  const relays = await relayCandidates(db, origin);
  // Shards come from this device first, then the relays; each is verified before use and kept for next time.
  const transport = new CachingTransport({ cache: new IdbShardStore(db), relays: () => relays });
  let size: number;
  let type: string;
  try {
    const m = (await openFile(capability, transport)).manifest;
    size = m.size;
    type = m.type;
  } catch (err) {
    const e = toPeerTreeError(err);
    return plain(e.code === 'BAD_INPUT' ? 400 : 502, `${e.code}: ${e.message}`);
  }
  const answer = answerRange(request.headers.get('range'), size, STREAM_CHUNK_BYTES);
  const { status, headers } = rangeHeaders(answer, size, type);
  if (answer.kind === 'unsatisfiable' || size === 0 || request.method === 'HEAD')
    return new Response(null, { status, headers });
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  // Written as each shard is verified and decrypted; the stream's backpressure holds the pipeline (at most a
  // few shards in memory). A shard that fails its checks ends the response with an error, never wrong bytes.
  void getFile(
    capability,
    transport,
    async (bytes) => {
      await writer.ready;
      await writer.write(bytes.slice());
    },
    answer.kind === 'part' ? { range: { start: answer.start, end: answer.end } } : {},
  ).then(
    () => writer.close(),
    (err: unknown) => writer.abort(err),
  );
  return new Response(readable, { status, headers });
}
