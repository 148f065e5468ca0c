// Child process for the crash tests: writes shards (and their pins, in SQLite) as fast as it can and prints
// each hash once its write is acknowledged (put resolved, pin committed). The test kills it with -9 mid-way.
//   node bin/run-ts.js tests/chaos/shard-writer.ts DATA_DIR SEED
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openRelayDb } from '../../node-relay/data/relay-db.ts';
import { FileShardStore } from '../../node-relay/storage/file-shard-store.ts';
import { PinIndex } from '../../node-relay/replication/pin-index.ts';
import { Prng } from '../sim/prng.ts';

const [dir, seedText] = process.argv.slice(2);
if (!dir) throw new Error('usage: shard-writer DATA_DIR SEED');
const rng = new Prng(Number(seedText ?? 1));
const db = openRelayDb(join(dir, 'relay.db'));
const store = await FileShardStore.open({ dir: join(dir, 'shards'), db });
const pins = new PinIndex(db);
const owner = 'ab'.repeat(32);
process.stdout.write('ready\n');
// Four writes in flight, as the relay does; bounded in count (the parent kills it long before).
let next = 0;
const writeOne = async (): Promise<void> => {
  while (next < 100_000) {
    const n = next++;
    const bytes = Buffer.alloc(rng.range(1, 512 * 1024));
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = rng.int(256);
    bytes.writeUInt32BE(n, 0);
    const hash = createHash('sha256').update(bytes).digest('hex');
    await store.put(hash, bytes);
    // The index keeps pins the relay already verified; a placeholder signature stands for one here.
    pins.add(hash, { owner, ts: n + 1, sig: 'cd'.repeat(64) }, store.costOf(bytes.length));
    process.stdout.write(`${hash}\n`);
  }
};
await Promise.all([writeOne(), writeOne(), writeOne(), writeOne()]);
