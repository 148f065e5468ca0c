// The viewer's zoom maths: the point under the pointer stays put, pinches scale by the fingers' distance, the
// pan is bounded by the picture's edges, and double tap toggles 1× / 2×.
import { describe, expect, it } from 'vitest';
import {
  clampPan,
  fitted,
  isZoomed,
  panBy,
  pinchZoom,
  toggleZoom,
  transformOf,
  UNZOOMED,
  wheelZoom,
  zoomTo,
  type Point,
  type Zoom,
} from '../../../pwa/src/gallery/zoom-math.ts';
import { VIEWER_MAX_SCALE } from '../../../core/limits.ts';

// A 1600×1200 photo in an 800×800 box: shown 800×600 at 1×.
const box = fitted(1600, 1200, 800, 800);
/** Where the picture point under `p` (box-centred px) at zoom `a` is shown at zoom `b`. */
const moved = (a: Zoom, b: Zoom, p: Point): Point => {
  const c = { x: (p.x - a.x) / a.scale, y: (p.y - a.y) / a.scale };
  return { x: b.x + b.scale * c.x, y: b.y + b.scale * c.y };
};

describe('zoom maths', () => {
  it('fits the picture in the box', () => {
    expect(box).toEqual({ width: 800, height: 800, contentWidth: 800, contentHeight: 600 });
  });

  it('keeps the point under the pointer where it is', () => {
    const at = { x: 100, y: -50 };
    const z = zoomTo(UNZOOMED, 3, at, box);
    expect(z.scale).toBe(3);
    expect(moved(UNZOOMED, z, at).x).toBeCloseTo(at.x);
    expect(moved(UNZOOMED, z, at).y).toBeCloseTo(at.y);
    const w = wheelZoom(z, -100, { x: -20, y: 30 }, box);
    expect(w.scale).toBeCloseTo(3 * Math.exp(0.2));
    expect(moved(z, w, { x: -20, y: 30 }).x).toBeCloseTo(-20);
  });

  it('scales a pinch by the change in distance between the fingers, within the bounds', () => {
    const start: [Point, Point] = [
      { x: -50, y: 0 },
      { x: 50, y: 0 },
    ];
    const wide: [Point, Point] = [
      { x: -125, y: 0 },
      { x: 125, y: 0 },
    ];
    expect(pinchZoom(UNZOOMED, start, wide, box).scale).toBeCloseTo(2.5);
    expect(pinchZoom(UNZOOMED, wide, start, box)).toEqual(UNZOOMED);
    const huge: [Point, Point] = [
      { x: -5000, y: 0 },
      { x: 5000, y: 0 },
    ];
    expect(pinchZoom(UNZOOMED, start, huge, box).scale).toBe(VIEWER_MAX_SCALE);
  });

  it('bounds the pan by the picture edges, and centres at 1×', () => {
    const z = zoomTo(UNZOOMED, 2, { x: 0, y: 0 }, box); // 1600×1200 shown in 800×800
    expect(panBy(z, 10_000, 10_000, box)).toEqual({ scale: 2, x: 400, y: 200 });
    expect(panBy(z, -10_000, -10_000, box)).toEqual({ scale: 2, x: -400, y: -200 });
    // 1.2×: 960 wide (pans 80 px either way), 720 tall (smaller than the box: stays centred).
    expect(clampPan({ scale: 1.2, x: 500, y: 500 }, box)).toEqual({ scale: 1.2, x: 80, y: 0 });
    expect(panBy(UNZOOMED, 30, 40, box)).toEqual(UNZOOMED);
  });

  it('double tap goes to 2× at the tap and back to 1×', () => {
    const z = toggleZoom(UNZOOMED, { x: 100, y: 100 }, box);
    expect(z.scale).toBe(2);
    expect(isZoomed(z)).toBe(true);
    expect(moved(UNZOOMED, z, { x: 100, y: 100 }).x).toBeCloseTo(100);
    expect(toggleZoom(z, { x: 0, y: 0 }, box)).toEqual(UNZOOMED);
    expect(isZoomed(UNZOOMED)).toBe(false);
    expect(transformOf(z)).toBe(`translate(${z.x}px, ${z.y}px) scale(2)`);
  });
});
