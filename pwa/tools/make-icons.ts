// Build-time tool (Node): draws the PeerTree icons as PNG files in pwa/public/ from the same shapes as icon.svg.
// Run with `node bin/run-ts.js pwa/tools/make-icons.ts`; the outputs are committed, so builds do not need it.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Rgb = readonly [number, number, number];
type Shape =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; r: number; color: Rgb }
  | { kind: 'circle'; cx: number; cy: number; r: number; color: Rgb }
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; width: number; color: Rgb };

const TEAL: Rgb = [0x0f, 0x76, 0x6e];
const MINT: Rgb = [0x99, 0xf6, 0xe4];
const LEAF: Rgb = [0xec, 0xfd, 0xf5];

/** The tree drawn in a 512×512 box; `scale` shrinks it about the centre (maskable icons need a safe zone). */
function treeShapes(scale: number): Shape[] {
  const t = (v: number): number => 256 + (v - 256) * scale;
  const root = { x: t(256), y: t(150) };
  const kids = [136, 256, 376].map((x) => ({ x: t(x), y: t(340) }));
  const shapes: Shape[] = [];
  for (const k of kids)
    shapes.push({ kind: 'line', x1: root.x, y1: root.y, x2: k.x, y2: k.y, width: 22 * scale, color: MINT });
  shapes.push({ kind: 'circle', cx: root.x, cy: root.y, r: 52 * scale, color: LEAF });
  for (const k of kids) shapes.push({ kind: 'circle', cx: k.x, cy: k.y, r: 40 * scale, color: LEAF });
  return shapes;
}

function signedDistance(s: Shape, px: number, py: number): number {
  switch (s.kind) {
    case 'circle':
      return Math.hypot(px - s.cx, py - s.cy) - s.r;
    case 'line': {
      const dx = s.x2 - s.x1;
      const dy = s.y2 - s.y1;
      const u = Math.max(0, Math.min(1, ((px - s.x1) * dx + (py - s.y1) * dy) / (dx * dx + dy * dy)));
      return Math.hypot(px - (s.x1 + u * dx), py - (s.y1 + u * dy)) - s.width / 2;
    }
    case 'rect': {
      const qx = Math.abs(px - (s.x + s.w / 2)) - (s.w / 2 - s.r);
      const qy = Math.abs(py - (s.y + s.h / 2)) - (s.h / 2 - s.r);
      return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - s.r;
    }
  }
}

/** Rasterizes shapes (in 512-unit coordinates) to RGBA with one-pixel anti-aliasing. */
function rasterize(size: number, shapes: Shape[]): Uint8Array {
  const rgba = new Uint8Array(size * size * 4);
  const k = 512 / size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (const s of shapes) {
        const coverage = Math.max(0, Math.min(1, 0.5 - signedDistance(s, (x + 0.5) * k, (y + 0.5) * k) / k));
        if (coverage === 0) continue;
        // Premultiplied "over" compositing.
        r = s.color[0] * coverage + r * (1 - coverage);
        g = s.color[1] * coverage + g * (1 - coverage);
        b = s.color[2] * coverage + b * (1 - coverage);
        a = coverage + a * (1 - coverage);
      }
      const i = (y * size + x) * 4;
      rgba[i] = a > 0 ? Math.round(r / a) : 0;
      rgba[i + 1] = a > 0 ? Math.round(g / a) : 0;
      rgba[i + 2] = a > 0 ? Math.round(b / a) : 0;
      rgba[i + 3] = Math.round(a * 255);
    }
  }
  return rgba;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function encodePng(size: number, rgba: Uint8Array): Uint8Array {
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, size);
  hv.setUint32(4, size);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const raw = new Uint8Array(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) raw.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const rounded: Shape = { kind: 'rect', x: 0, y: 0, w: 512, h: 512, r: 112, color: TEAL };
const fullBleed: Shape = { kind: 'rect', x: -1, y: -1, w: 514, h: 514, r: 0, color: TEAL };
const outputs: Array<[string, number, Shape[]]> = [
  ['icon-192.png', 192, [rounded, ...treeShapes(1)]],
  ['icon-512.png', 512, [rounded, ...treeShapes(1)]],
  // Maskable: full-bleed background, content inside the central 80% safe zone.
  ['icon-maskable-512.png', 512, [fullBleed, ...treeShapes(0.72)]],
  ['apple-touch-icon.png', 180, [fullBleed, ...treeShapes(0.8)]],
  ['favicon-32.png', 32, [rounded, ...treeShapes(1)]],
];
for (const [name, size, shapes] of outputs) {
  writeFileSync(fileURLToPath(new URL(`../public/${name}`, import.meta.url)), encodePng(size, rasterize(size, shapes)));
}
