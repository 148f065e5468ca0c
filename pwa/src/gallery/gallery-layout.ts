// The files page's layout as pure data: photos and videos as a grid grouped by day (date taken, else the date
// added), documents as a list; sorted and filtered; every row with a fixed top and height, so that the view
// puts only the rows near the viewport into the DOM.

export type GalleryFilter = 'all' | 'photos' | 'videos' | 'documents';
export type GallerySort = 'newest' | 'oldest' | 'name' | 'size';

export interface LayoutItem {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly addedAt: number;
  /** EXIF date taken (ms), when known. */
  readonly taken: number | null;
}

export type LayoutRow =
  | {
      readonly kind: 'header';
      readonly key: string;
      readonly label: string;
      readonly count: number;
      readonly top: number;
      readonly height: number;
    }
  | {
      readonly kind: 'tiles';
      readonly key: string;
      readonly ids: readonly string[];
      readonly top: number;
      readonly height: number;
    }
  | { readonly kind: 'doc'; readonly key: string; readonly id: string; readonly top: number; readonly height: number };

export interface LayoutSizes {
  readonly columns: number;
  readonly headerHeight: number;
  readonly tileRowHeight: number;
  readonly docHeight: number;
}

export interface Layout {
  readonly rows: readonly LayoutRow[];
  readonly height: number;
  /** Photos and videos in the order shown: what the viewer steps through. */
  readonly media: readonly string[];
  readonly counts: { readonly photos: number; readonly videos: number; readonly documents: number };
}

export function isPhoto(type: string): boolean {
  return type.startsWith('image/');
}

export function isVideo(type: string): boolean {
  return type.startsWith('video/');
}

/** When the photo was taken, else when the file was added. */
export function shownDate(item: LayoutItem): number {
  return item.taken ?? item.addedAt;
}

/** The local calendar day of `ms`, as a sortable key. */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "Thursday, 4 March 2021" (the year left out for this year). */
export function dayLabel(ms: number, now: number): string {
  const d = new Date(ms);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  if (dayKey(ms) === dayKey(now)) return 'Today';
  return d.toLocaleDateString('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(sameYear ? {} : { year: 'numeric' }),
  });
}

function compare(sort: GallerySort, date: (i: LayoutItem) => number): (a: LayoutItem, b: LayoutItem) => number {
  const tie = (a: LayoutItem, b: LayoutItem): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  switch (sort) {
    case 'oldest':
      return (a, b) => date(a) - date(b) || tie(a, b);
    case 'name':
      return (a, b) => a.name.localeCompare(b.name, 'en', { numeric: true, sensitivity: 'base' }) || tie(a, b);
    case 'size':
      return (a, b) => b.size - a.size || tie(a, b);
    default:
      return (a, b) => date(b) - date(a) || tie(a, b);
  }
}

function passes(filter: GalleryFilter, type: string): boolean {
  if (filter === 'photos') return isPhoto(type);
  if (filter === 'videos') return isVideo(type);
  if (filter === 'documents') return !isPhoto(type) && !isVideo(type);
  return true;
}

/** Lays out `items`: media grid (grouped by day when sorted by date), then the documents list. */
export function layoutGallery(
  items: readonly LayoutItem[],
  filter: GalleryFilter,
  sort: GallerySort,
  sizes: LayoutSizes,
  now: number,
): Layout {
  const columns = Math.max(1, Math.floor(sizes.columns));
  const media = items
    .filter((i) => (isPhoto(i.type) || isVideo(i.type)) && passes(filter, i.type))
    .sort(compare(sort, shownDate));
  const docs = items
    .filter((i) => !isPhoto(i.type) && !isVideo(i.type) && passes(filter, i.type))
    .sort(compare(sort, (i) => i.addedAt));
  const rows: LayoutRow[] = [];
  let top = 0;
  const header = (key: string, label: string, count: number): void => {
    rows.push({ kind: 'header', key, label, count, top, height: sizes.headerHeight });
    top += sizes.headerHeight;
  };
  const tiles = (key: string, group: readonly LayoutItem[]): void => {
    for (let i = 0; i < group.length; i += columns) {
      rows.push({
        kind: 'tiles',
        key: `${key}:${i / columns}`,
        ids: group.slice(i, i + columns).map((g) => g.id),
        top,
        height: sizes.tileRowHeight,
      });
      top += sizes.tileRowHeight;
    }
  };
  if (sort === 'newest' || sort === 'oldest') {
    const groups: { key: string; items: LayoutItem[] }[] = [];
    for (const item of media) {
      const key = dayKey(shownDate(item));
      const last = groups[groups.length - 1];
      if (last && last.key === key) last.items.push(item);
      else groups.push({ key, items: [item] });
    }
    for (const g of groups) {
      header(`day:${g.key}`, dayLabel(shownDate(g.items[0]!), now), g.items.length);
      tiles(`day:${g.key}`, g.items);
    }
  } else if (media.length > 0) {
    header('media', 'Photos and videos', media.length);
    tiles('media', media);
  }
  if (docs.length > 0) {
    header('documents', 'Documents', docs.length);
    for (const d of docs) {
      rows.push({ kind: 'doc', key: `doc:${d.id}`, id: d.id, top, height: sizes.docHeight });
      top += sizes.docHeight;
    }
  }
  const counts = {
    photos: items.filter((i) => isPhoto(i.type)).length,
    videos: items.filter((i) => isVideo(i.type)).length,
    documents: items.filter((i) => !isPhoto(i.type) && !isVideo(i.type)).length,
  };
  return { rows, height: top, media: media.map((m) => m.id), counts };
}

/** The rows that overlap [from, to) (px from the layout's top); rows are sorted by top. */
export function rowsBetween(rows: readonly LayoutRow[], from: number, to: number): LayoutRow[] {
  // Binary search for the first row that ends after `from`.
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = rows[mid]!;
    if (r.top + r.height <= from) lo = mid + 1;
    else hi = mid;
  }
  const out: LayoutRow[] = [];
  for (let i = lo; i < rows.length && rows[i]!.top < to; i++) out.push(rows[i]!);
  return out;
}

/** Columns of tiles at least `minTile` px wide (with `gap` between them) in `width` px. */
export function columnsFor(width: number, minTile: number, gap: number): number {
  return Math.max(1, Math.floor((width + gap) / (minTile + gap)));
}
