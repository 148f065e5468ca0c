// The viewer's zoom as pure maths: a scale and a pan (px) applied as `translate(x, y) scale(s)` about the
// centre of the picture's box, with the point under the fingers (or the pointer) kept where it is while zooming,
// and the pan bounded so that the picture never leaves the box with empty space while it is larger than it.
import { VIEWER_MAX_SCALE, VIEWER_MIN_SCALE } from '../../../core/limits.ts';

export interface Zoom {
  readonly scale: number;
  /** Pan of the picture's centre from the box's centre (px). */
  readonly x: number;
  readonly y: number;
}

/** The box the picture is shown in, and the picture's size in it at 1× (object-fit: contain). */
export interface ZoomBox {
  readonly width: number;
  readonly height: number;
  readonly contentWidth: number;
  readonly contentHeight: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Double tap / double click goes to this scale (and back to 1×). */
const TOGGLE_SCALE = 2;
/** ctrl+wheel: the scale changes by e^(-deltaY × this) per event (deltaY in px: 100 ≈ one notch ≈ ×0.82). */
const WHEEL_RATE = 0.002;
/** Below this much above 1× the picture counts as not zoomed (float dust after pinching back). */
const ZOOMED_EPSILON = 1e-3;

export const UNZOOMED: Zoom = { scale: 1, x: 0, y: 0 };

/** The picture's size at 1× in a box of `width` × `height` (contain: whole picture, aspect kept). */
export function fitted(naturalWidth: number, naturalHeight: number, width: number, height: number): ZoomBox {
  if (naturalWidth <= 0 || naturalHeight <= 0) return { width, height, contentWidth: width, contentHeight: height };
  const k = Math.min(width / naturalWidth, height / naturalHeight);
  return { width, height, contentWidth: naturalWidth * k, contentHeight: naturalHeight * k };
}

export function isZoomed(z: Zoom): boolean {
  return z.scale > VIEWER_MIN_SCALE + ZOOMED_EPSILON;
}

const clampScale = (s: number): number => Math.min(VIEWER_MAX_SCALE, Math.max(VIEWER_MIN_SCALE, s));

/** The same zoom with its pan bounded: at 1× centred; larger, no edge moves inside the box. */
export function clampPan(z: Zoom, box: ZoomBox): Zoom {
  const maxX = Math.max(0, (box.contentWidth * z.scale - box.width) / 2);
  const maxY = Math.max(0, (box.contentHeight * z.scale - box.height) / 2);
  const x = Math.min(maxX, Math.max(-maxX, z.x));
  const y = Math.min(maxY, Math.max(-maxY, z.y));
  // No negative zero: 1× is exactly UNZOOMED.
  return { scale: z.scale, x: x === 0 ? 0 : x, y: y === 0 ? 0 : y };
}

/**
 * Zooms `from` to `scale` keeping the picture point that was under `at` (relative to the box's centre, px)
 * under `to` (the same point for a wheel or a tap; the fingers' new midpoint for a pinch).
 */
export function zoomTo(from: Zoom, scale: number, at: Point, box: ZoomBox, to: Point = at): Zoom {
  const s = clampScale(scale);
  const r = s / from.scale;
  return clampPan({ scale: s, x: to.x - r * (at.x - from.x), y: to.y - r * (at.y - from.y) }, box);
}

/** ctrl+wheel by `deltaY` px at `at`. */
export function wheelZoom(z: Zoom, deltaY: number, at: Point, box: ZoomBox): Zoom {
  return zoomTo(z, z.scale * Math.exp(-deltaY * WHEEL_RATE), at, box);
}

/** Two fingers that were at `start` (with the zoom then) and are at `now`. */
export function pinchZoom(
  startZoom: Zoom,
  start: readonly [Point, Point],
  now: readonly [Point, Point],
  box: ZoomBox,
): Zoom {
  const d0 = Math.hypot(start[1].x - start[0].x, start[1].y - start[0].y);
  const d1 = Math.hypot(now[1].x - now[0].x, now[1].y - now[0].y);
  const mid = (p: readonly [Point, Point]): Point => ({ x: (p[0].x + p[1].x) / 2, y: (p[0].y + p[1].y) / 2 });
  const factor = d0 > 0 ? d1 / d0 : 1;
  return zoomTo(startZoom, startZoom.scale * factor, mid(start), box, mid(now));
}

/** A drag by (dx, dy) px while zoomed. */
export function panBy(z: Zoom, dx: number, dy: number, box: ZoomBox): Zoom {
  return clampPan({ scale: z.scale, x: z.x + dx, y: z.y + dy }, box);
}

/** Double tap / double click at `at`: 1× → TOGGLE_SCALE there; zoomed → back to 1×. */
export function toggleZoom(z: Zoom, at: Point, box: ZoomBox): Zoom {
  return isZoomed(z) ? UNZOOMED : zoomTo(UNZOOMED, TOGGLE_SCALE, at, box);
}

export function transformOf(z: Zoom): string {
  return `translate(${z.x}px, ${z.y}px) scale(${z.scale})`;
}
