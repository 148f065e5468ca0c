// A long press (touch or mouse) on an element: how a file starts select mode without a button on every tile.
import { LONG_PRESS_MS } from '../../../core/limits.ts';

/** A press that moves further than this (px) is a scroll, not a long press. */
const LONG_PRESS_SLOP_PX = 10;

/** Calls `onHold` when a press stays on `el` for LONG_PRESS_MS; the click that ends that press does nothing. */
export function onLongPress(el: HTMLElement, onHold: () => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let start = { x: 0, y: 0 };
  let held = false;
  // The press is followed on the window: the row may move under a still pointer (a bar appears), which is no
  // reason to give up, and the press may end anywhere.
  const moved = (e: PointerEvent): void => {
    if (Math.hypot(e.clientX - start.x, e.clientY - start.y) > LONG_PRESS_SLOP_PX) clear();
  };
  const clear = (): void => {
    clearTimeout(timer);
    timer = undefined;
    window.removeEventListener('pointermove', moved);
    window.removeEventListener('pointerup', clear);
    window.removeEventListener('pointercancel', clear);
  };
  el.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    clear();
    held = false;
    start = { x: e.clientX, y: e.clientY };
    window.addEventListener('pointermove', moved);
    window.addEventListener('pointerup', clear);
    window.addEventListener('pointercancel', clear);
    timer = setTimeout(() => {
      clear();
      held = true;
      onHold();
    }, LONG_PRESS_MS);
  });
  el.addEventListener(
    'click',
    (e) => {
      if (!held) return;
      held = false;
      e.preventDefault();
      e.stopPropagation();
    },
    true,
  );
  el.addEventListener('contextmenu', (e) => {
    if (held || timer !== undefined) e.preventDefault();
  });
}
