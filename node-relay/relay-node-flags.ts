// The Node.js flags a relay process is started with (npm start, the test harness and the benchmarks' spawner).
//
// --initial-old-space-size=64: a relay moving 1 MiB shards allocates a few MiB of buffers per shard, and
// buffers waiting on disk or network outlive young-generation collections; with the default initial limit of a
// small (≈ 14 MB) heap, V8 then ran a full mark-compact every ≈ 5–16 MiB of shards. Starting the old
// generation's limit at 64 MB cut full collections from 13–16 to 2 for a put and three gets of 64 MiB on one
// relay, and the relay's CPU for them from 1380–1610 ms to 830–1060 ms (three alternating runs each, 2-vCPU VM),
// with no change in peak RSS (165–171 MiB either way). It is a startup flag (V8 sizes the heap before any
// script runs, and setting it later from JavaScript had only part of the effect), so spawners pass it. The CLI
// is not started with it: there it raised the peak RSS of a 256 MiB put from 147 to 174 MB.
export const RELAY_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64'];
