// The virtualized files area: lays the files out (gallery-layout.ts) and keeps in the DOM only the rows that
// are near the viewport, each absolutely placed at its computed top; rows are updated in place as files change.
import { h, setAttrs } from '../ui/dom.ts';
import type { FileStore } from '../state/file-store.ts';
import {
  columnsFor,
  layoutGallery,
  rowsBetween,
  type GalleryFilter,
  type GallerySort,
  type Layout,
  type LayoutRow,
} from './gallery-layout.ts';
import { openEditDialog } from '../ui/edit-dialog.ts';
import { createRow, renderSelected, updateRow, type FileActions, type RowParts } from './file-row.ts';
import type { ThumbLoader } from './thumb-loader.ts';
import type { Selection } from './selection.ts';

/** Smallest tile width (px) and the gap between tiles. */
const MIN_TILE_PX = 150;
const GAP_PX = 8;
/** Tile caption under the square thumbnail: name, status, progress and actions. */
const TILE_CAPTION_PX = 156;
const HEADER_PX = 52;
/**
 * Document rows share one height, so that positions are known without measuring each: at least this, and
 * more once a drawn row turns out taller (narrow screens wrap its actions; an error adds a line).
 */
const DOC_PX_WIDE = 104;
const DOC_PX_NARROW = 176;
const NARROW_PX = 480;
/** Rows kept in the DOM above and below the viewport, as a share of its height. */
const OVERSCAN = 1;

export interface GalleryDeps {
  /** The files' state: the only source of what a row shows. */
  readonly files: FileStore;
  readonly actions: FileActions;
  readonly thumbs: ThumbLoader;
  /** Opens the viewer on `id`, stepping through `media` (the order shown). */
  readonly view: (id: string, media: readonly string[]) => void;
  /** Select mode and the chosen files (shared with the select bar). */
  readonly selection: Selection;
}

export interface GalleryView {
  readonly element: HTMLElement;
  setOptions(filter: GalleryFilter, sort: GallerySort): void;
  /** The layout last drawn (for the count line and the viewer's order). */
  layout(): Layout;
}

export function createGalleryView(deps: GalleryDeps): GalleryView {
  const element = h('div', {
    class: 'gallery',
    'data-testid': 'file-list',
    role: 'region',
    'aria-label': 'Your files, by day and type',
  });
  let filter: GalleryFilter = 'all';
  let sort: GallerySort = 'newest';
  let current: Layout = { rows: [], height: 0, media: [], counts: { photos: 0, videos: 0, documents: 0 } };
  const parts = new Map<string, RowParts>();
  const painted = new Map<string, { el: HTMLElement; sig: string }>();
  let frame = 0;
  let relayoutNeeded = true;
  let width = 0;
  /** The tallest document row drawn at this width (px, with the gap); 0 until one is measured. */
  let measuredDoc = 0;

  const partsFor = (id: string, variant: 'doc' | 'tile'): RowParts | null => {
    const f = deps.files.get(id);
    if (!f) return null;
    let p = parts.get(id);
    if (!p || p.variant !== variant) {
      p = createRow(
        f,
        variant,
        (fid) => deps.view(fid, current.media),
        (fid) => {
          const now = deps.files.get(fid);
          if (now) openEditDialog(now, (edit) => deps.actions.edit(fid, edit));
        },
        deps.selection,
      );
      parts.set(id, p);
      updateRow(p, f, deps.actions, deps.thumbs);
      renderSelected(p, deps.selection);
    }
    return p;
  };

  const relayout = (): void => {
    const w = element.clientWidth || width || 320;
    if (w !== width) measuredDoc = 0;
    width = w;
    const columns = columnsFor(width, MIN_TILE_PX, GAP_PX);
    const tile = Math.floor((width - GAP_PX * (columns - 1)) / columns);
    const sizes = {
      columns,
      headerHeight: HEADER_PX,
      tileRowHeight: tile + TILE_CAPTION_PX + GAP_PX,
      docHeight: Math.max(measuredDoc, width < NARROW_PX ? DOC_PX_NARROW : DOC_PX_WIDE),
    };
    const items = deps.files
      .list()
      .map((f) => ({ id: f.id, name: f.name, type: f.type, size: f.size, addedAt: f.addedAt, taken: f.taken ?? null }));
    current = layoutGallery(items, filter, sort, sizes, Date.now());
    element.style.height = `${current.height}px`;
    element.style.setProperty('--tile-px', `${tile}px`);
    element.style.setProperty('--columns', String(columns));
    relayoutNeeded = false;
  };

  const rowElement = (r: LayoutRow): { el: HTMLElement; sig: string } => {
    if (r.kind === 'header') {
      const el = h(
        'div',
        { class: 'gallery-header', 'data-testid': 'date-group', 'data-key': r.key, 'data-count': r.count },
        h('h2', {}, r.label),
        h('span', { class: 'gallery-count' }, `${r.count} item${r.count === 1 ? '' : 's'}`),
      );
      return { el, sig: `${r.label}|${r.count}` };
    }
    if (r.kind === 'tiles') {
      const el = h('ul', { class: 'tile-row', 'data-group': r.key.split(':').slice(0, -1).join(':') });
      el.replaceChildren(...r.ids.map((id) => partsFor(id, 'tile')?.row).filter((x): x is HTMLLIElement => Boolean(x)));
      return { el, sig: r.ids.join(',') };
    }
    const el = h('ul', { class: 'doc-row' });
    const p = partsFor(r.id, 'doc');
    if (p) el.append(p.row);
    return { el, sig: r.id };
  };

  const paint = (): void => {
    frame = 0;
    if (relayoutNeeded || element.clientWidth !== width) relayout();
    const rect = element.getBoundingClientRect();
    const viewport = window.innerHeight || 800;
    const from = -rect.top - viewport * OVERSCAN;
    const to = -rect.top + viewport * (1 + OVERSCAN);
    const visible = rowsBetween(current.rows, from, to);
    const keep = new Set(visible.map((r) => r.key));
    const liveIds = new Set<string>();
    for (const [key, entry] of painted) {
      if (keep.has(key)) continue;
      entry.el.remove();
      painted.delete(key);
    }
    // DOM order follows the layout (screen readers and keyboard focus go in reading order).
    let before: ChildNode | null = element.firstChild;
    for (const r of visible) {
      if (r.kind === 'tiles') r.ids.forEach((id) => liveIds.add(id));
      if (r.kind === 'doc') liveIds.add(r.id);
      const sig = r.kind === 'header' ? `${r.label}|${r.count}` : r.kind === 'tiles' ? r.ids.join(',') : r.id;
      let entry = painted.get(r.key);
      if (!entry || entry.sig !== sig) {
        if (entry && before === entry.el) before = entry.el.nextSibling;
        entry?.el.remove();
        entry = rowElement(r);
        painted.set(r.key, entry);
      }
      if (entry.el !== before) element.insertBefore(entry.el, before);
      before = entry.el.nextSibling;
      entry.el.style.transform = `translateY(${r.top}px)`;
      entry.el.style.height = `${r.height}px`;
    }
    // A document row taller than its slot makes every slot taller (once per new height, so this settles).
    let need = 0;
    for (const r of visible) {
      if (r.kind !== 'doc') continue;
      const row = parts.get(r.id)?.row;
      if (row && row.scrollHeight > row.clientHeight) need = Math.max(need, row.scrollHeight + 2 + GAP_PX);
      else if (row) need = Math.max(need, 0);
    }
    if (need > 0 && need > measuredDoc) {
      measuredDoc = need;
      relayoutNeeded = true;
      frame = requestAnimationFrame(paint);
    }
    // Rows out of the DOM are dropped; they are made again (with their thumbnail from the loader's cache) when seen.
    for (const id of parts.keys()) if (!liveIds.has(id)) parts.delete(id);
  };

  const schedule = (relayoutToo: boolean): void => {
    relayoutNeeded ||= relayoutToo;
    if (frame === 0) frame = requestAnimationFrame(paint);
  };

  deps.files.subscribe((id) => {
    const f = deps.files.get(id);
    const p = parts.get(id);
    if (f && p) updateRow(p, f, deps.actions, deps.thumbs);
    if (!f && p) parts.delete(id);
    if (!f) deps.selection.keepOnly((x) => deps.files.get(x) !== undefined);
    schedule(true);
  });
  deps.selection.subscribe(() => {
    element.classList.toggle('selecting', deps.selection.active);
    for (const p of parts.values()) renderSelected(p, deps.selection);
  });
  window.addEventListener('scroll', () => schedule(false), { passive: true });
  window.addEventListener('resize', () => schedule(true));
  if (typeof ResizeObserver !== 'undefined')
    new ResizeObserver(() => schedule(element.clientWidth !== width)).observe(element);
  schedule(true);

  return {
    element,
    setOptions(f, s) {
      filter = f;
      sort = s;
      setAttrs(element, { 'data-filter': f, 'data-sort': s });
      schedule(true);
    },
    layout: () => {
      if (relayoutNeeded) relayout();
      return current;
    },
  };
}
