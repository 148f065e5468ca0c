// Position arithmetic of a complete k-ary tree filled left to right: pure functions, no state.
//
// The relay at position p has parent floor((p-1)/k) and children k·p+1 … k·p+k.
// Every function takes k (2 ≤ k) and, where relevant, the tree size N (positions 0 … N−1).

/** Parent position of p, or null for the root. */
export function parentOf(p: number, k: number): number | null {
  return p === 0 ? null : Math.floor((p - 1) / k);
}

/** Child positions of p that exist in a tree of `size` relays, in order. */
export function childrenOf(p: number, k: number, size: number): number[] {
  const out: number[] = [];
  const first = k * p + 1;
  for (let c = first; c < first + k && c < size; c++) out.push(c);
  return out;
}

/** Level of position p: the root is at level 0. */
export function levelOf(p: number, k: number): number {
  let level = 0;
  let q = p;
  while (q > 0) {
    q = Math.floor((q - 1) / k);
    level++;
  }
  return level;
}

/** Depth of a complete k-ary tree of `size` relays (a lone root has depth 0; an empty tree −1). */
export function depthOf(size: number, k: number): number {
  return size <= 0 ? -1 : levelOf(size - 1, k);
}

/** The root peer group: the root and its children. */
export function rootGroup(k: number, size: number): number[] {
  const out: number[] = [];
  for (let p = 0; p <= k && p < size; p++) out.push(p);
  return out;
}

/** True when p belongs to the root peer group. */
export function inRootGroup(p: number, k: number): boolean {
  return p >= 0 && p <= k;
}

/** The peer group of p: its parent (if any) then its children. */
export function peerGroup(p: number, k: number, size: number): number[] {
  const parent = parentOf(p, k);
  const children = childrenOf(p, k, size);
  return parent === null ? children : [parent, ...children];
}

/** True when a is a strict ancestor of b. */
export function isAncestor(a: number, b: number, k: number): boolean {
  let q = b;
  while (q > a) q = Math.floor((q - 1) / k);
  return q === a && a !== b;
}

/** Ancestors of p from its parent up to the root. */
export function ancestorsOf(p: number, k: number): number[] {
  const out: number[] = [];
  let q = parentOf(p, k);
  while (q !== null) {
    out.push(q);
    q = parentOf(q, k);
  }
  return out;
}

/** Lowest common ancestor of a and b (a position is its own ancestor here). */
export function lowestCommonAncestor(a: number, b: number, k: number): number {
  let x = a;
  let y = b;
  while (x !== y) {
    if (x > y) x = Math.floor((x - 1) / k);
    else y = Math.floor((y - 1) / k);
  }
  return x;
}

/** Positions on the tree path from a to b, both ends included. */
export function pathBetween(a: number, b: number, k: number): number[] {
  const lca = lowestCommonAncestor(a, b, k);
  const up: number[] = [];
  for (let q = a; q !== lca; q = Math.floor((q - 1) / k)) up.push(q);
  const down: number[] = [];
  for (let q = b; q !== lca; q = Math.floor((q - 1) / k)) down.push(q);
  return [...up, lca, ...down.reverse()];
}

/** Next position after `from` on the tree path to `to` (null when from === to). */
export function nextHopToward(from: number, to: number, k: number): number | null {
  if (from === to) return null;
  if (!isAncestor(from, to, k)) return parentOf(from, k);
  let q = to;
  while (Math.floor((q - 1) / k) !== from) q = Math.floor((q - 1) / k);
  return q;
}

/** Number of edges on the tree path from a to b. */
export function distance(a: number, b: number, k: number): number {
  return pathBetween(a, b, k).length - 1;
}

/** Number of positions in the subtree rooted at p, in a tree of `size` relays. */
export function subtreeSize(p: number, k: number, size: number): number {
  let count = 0;
  let lo = p;
  let hi = p;
  while (lo < size) {
    count += Math.min(hi, size - 1) - lo + 1;
    lo = k * lo + 1;
    hi = k * hi + k;
  }
  return count;
}
