// Zoom and pan for the viewer's picture: two-finger pinch, ctrl+wheel (a trackpad pinch arrives as this), drag
// to pan while zoomed, double tap or double click to toggle 1× / 2×, and + / - / 0 from the keyboard. A one-
// finger horizontal swipe at 1× is handed back as "next / previous". The maths is in zoom-math.ts.
import { setAttrs } from '../ui/dom.ts';
import {
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
  type ZoomBox,
} from './zoom-math.ts';
import { DOUBLE_TAP_MS } from '../../../core/limits.ts';

/** A horizontal move at least this long (px), and longer than it is tall, is a swipe. */
const SWIPE_PX = 50;
const TAP_SLOP_PX = 20;
/** One + or - key press zooms by this factor. */
const KEY_FACTOR = 1.25;

export interface ZoomGesture {
  /** Back to 1× (a new item is shown). */
  reset(): void;
  /** Handles + / - / 0; true when the key was one of them. */
  key(key: string): boolean;
}

export function attachZoom(stage: HTMLElement, onSwipe: (direction: 1 | -1) => void): ZoomGesture {
  let zoom: Zoom = UNZOOMED;
  const pointers = new Map<number, { x: number; y: number }>();
  let pinch: { zoom: Zoom; pts: [Point, Point] } | null = null;
  let drag: { zoom: Zoom; from: { x: number; y: number } } | null = null;
  let gesture: { start: { x: number; y: number }; zoomed: boolean; multi: boolean } | null = null;
  let lastTap: { t: number; x: number; y: number } | null = null;

  const img = (): HTMLImageElement | null => stage.querySelector<HTMLImageElement>('img.viewer-img');
  /** The picture's box (untransformed) and its centre on screen. */
  const geometry = (el: HTMLImageElement): { box: ZoomBox; cx: number; cy: number } => {
    const r = el.getBoundingClientRect();
    return {
      box: fitted(el.naturalWidth, el.naturalHeight, el.offsetWidth, el.offsetHeight),
      cx: r.left + r.width / 2 - zoom.x,
      cy: r.top + r.height / 2 - zoom.y,
    };
  };
  const apply = (z: Zoom): void => {
    zoom = z;
    const el = img();
    if (el) el.style.transform = isZoomed(z) ? transformOf(z) : '';
    setAttrs(stage, { 'data-zoom': isZoomed(z) ? z.scale.toFixed(2) : null });
  };
  const local = (g: { cx: number; cy: number }, p: { x: number; y: number }): Point => ({
    x: p.x - g.cx,
    y: p.y - g.cy,
  });
  const two = (): [{ x: number; y: number }, { x: number; y: number }] => {
    const [a, b] = [...pointers.values()];
    return [a!, b!];
  };

  stage.addEventListener('pointerdown', (e) => {
    if (!img()) {
      gesture = { start: { x: e.clientX, y: e.clientY }, zoomed: false, multi: false };
      return;
    }
    try {
      stage.setPointerCapture(e.pointerId);
    } catch {
      // Not an active pointer (a synthetic event): the stage still gets its moves.
    }
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.size === 1) {
      gesture = { start: { x: e.clientX, y: e.clientY }, zoomed: isZoomed(zoom), multi: false };
      drag = { zoom, from: { x: e.clientX, y: e.clientY } };
    } else if (pointers.size === 2) {
      const g = geometry(img()!);
      const [a, b] = two();
      pinch = { zoom, pts: [local(g, a), local(g, b)] };
      drag = null;
      if (gesture) gesture.multi = true;
    }
  });
  stage.addEventListener('pointermove', (e) => {
    if (!pointers.has(e.pointerId)) return;
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    const el = img();
    if (!el) return;
    const g = geometry(el);
    if (pointers.size >= 2 && pinch) {
      const [a, b] = two();
      apply(pinchZoom(pinch.zoom, pinch.pts, [local(g, a), local(g, b)], g.box));
    } else if (pointers.size === 1 && drag && isZoomed(drag.zoom)) {
      apply(panBy(drag.zoom, e.clientX - drag.from.x, e.clientY - drag.from.y, g.box));
    }
  });
  const end = (e: PointerEvent): void => {
    pointers.delete(e.pointerId);
    if (pointers.size === 1) {
      // One finger stays after a pinch: it pans from here.
      pinch = null;
      const [rest] = [...pointers.values()];
      drag = { zoom, from: rest! };
      return;
    }
    if (pointers.size > 0 || !gesture) return;
    const g0 = gesture;
    gesture = null;
    pinch = null;
    drag = null;
    if (e.type === 'pointercancel' || g0.multi) return;
    const dx = e.clientX - g0.start.x;
    const dy = e.clientY - g0.start.y;
    if (!g0.zoomed && !isZoomed(zoom) && Math.abs(dx) >= SWIPE_PX && Math.abs(dx) > Math.abs(dy)) {
      onSwipe(dx < 0 ? 1 : -1);
      return;
    }
    // A double tap (touch or pen; a mouse has dblclick) toggles the zoom at the tap.
    if (e.pointerType === 'mouse' || Math.hypot(dx, dy) > TAP_SLOP_PX) return;
    const now = e.timeStamp;
    if (
      lastTap &&
      now - lastTap.t < DOUBLE_TAP_MS &&
      Math.hypot(e.clientX - lastTap.x, e.clientY - lastTap.y) < TAP_SLOP_PX
    ) {
      lastTap = null;
      const el = img();
      if (el) {
        const g = geometry(el);
        apply(toggleZoom(zoom, local(g, { x: e.clientX, y: e.clientY }), g.box));
      }
    } else lastTap = { t: now, x: e.clientX, y: e.clientY };
  };
  stage.addEventListener('pointerup', end);
  stage.addEventListener('pointercancel', end);
  stage.addEventListener('dblclick', (e) => {
    const el = img();
    if (!el) return;
    const g = geometry(el);
    apply(toggleZoom(zoom, local(g, { x: e.clientX, y: e.clientY }), g.box));
  });
  stage.addEventListener(
    'wheel',
    (e) => {
      const el = img();
      if (!e.ctrlKey || !el) return;
      e.preventDefault();
      const g = geometry(el);
      apply(wheelZoom(zoom, e.deltaY, local(g, { x: e.clientX, y: e.clientY }), g.box));
    },
    { passive: false },
  );

  return {
    reset() {
      pointers.clear();
      pinch = null;
      drag = null;
      gesture = null;
      apply(UNZOOMED);
    },
    key(key) {
      const el = img();
      if (!el || !['+', '=', '-', '0'].includes(key)) return false;
      const { box } = geometry(el);
      const centre = { x: 0, y: 0 };
      if (key === '0') apply(UNZOOMED);
      else apply(zoomTo(zoom, key === '-' ? zoom.scale / KEY_FACTOR : zoom.scale * KEY_FACTOR, centre, box));
      return true;
    },
  };
}
