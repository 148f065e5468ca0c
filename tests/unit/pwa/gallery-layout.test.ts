// The gallery layout: photos and videos grouped by day (date taken, else added), documents as a list, sorted,
// filtered, with fixed row positions for virtual scrolling.
import { describe, expect, it } from 'vitest';
import {
  columnsFor,
  dayKey,
  layoutGallery,
  rowsBetween,
  type LayoutItem,
} from '../../../pwa/src/gallery/gallery-layout.ts';

const SIZES = { columns: 3, headerHeight: 40, tileRowHeight: 200, docHeight: 80 };
const day = (d: number, h = 12): number => new Date(2024, 4, d, h).getTime();
const NOW = day(30);
const photo = (id: string, taken: number | null, addedAt = day(20)): LayoutItem => ({
  id,
  name: `${id}.jpg`,
  type: 'image/jpeg',
  size: id.length,
  addedAt,
  taken,
});
const doc = (id: string, addedAt: number, size = 1): LayoutItem => ({
  id,
  name: `${id}.pdf`,
  type: 'application/pdf',
  size,
  addedAt,
  taken: null,
});

describe('layoutGallery', () => {
  const items = [
    photo('a', day(1, 9)),
    photo('b', day(1, 18)),
    photo('c', null, day(3)),
    photo('d', day(3, 8)),
    photo('e', day(3, 7)),
    photo('f', day(3, 6)),
    photo('g', day(3, 5)),
    doc('x', day(2)),
    doc('y', day(4), 9),
    { id: 'v', name: 'clip.mp4', type: 'video/mp4', size: 5, addedAt: day(2), taken: null },
  ];

  it('groups photos and videos by the day taken (else added), newest first, then lists documents', () => {
    const l = layoutGallery(items, 'all', 'newest', SIZES, NOW);
    const headers = l.rows
      .filter((r) => r.kind === 'header')
      .map((r) => (r.kind === 'header' ? [r.key, r.count] : null));
    expect(headers).toEqual([
      [`day:${dayKey(day(3))}`, 5],
      [`day:${dayKey(day(2))}`, 1],
      [`day:${dayKey(day(1))}`, 2],
      ['documents', 2],
    ]);
    // Five photos of one day in rows of three; the photo without EXIF counts on the day it was added.
    const firstDay = l.rows
      .filter((r) => r.kind === 'tiles' && r.key.startsWith(`day:${dayKey(day(3))}`))
      .map((r) => (r.kind === 'tiles' ? r.ids : []));
    expect(firstDay).toEqual([
      ['c', 'd', 'e'],
      ['f', 'g'],
    ]);
    expect(l.media).toEqual(['c', 'd', 'e', 'f', 'g', 'v', 'b', 'a']);
    expect(l.rows.filter((r) => r.kind === 'doc').map((r) => (r.kind === 'doc' ? r.id : ''))).toEqual(['y', 'x']);
    expect(l.counts).toEqual({ photos: 7, videos: 1, documents: 2 });
  });

  it('stacks rows without gaps, so the total height is their sum', () => {
    const l = layoutGallery(items, 'all', 'newest', SIZES, NOW);
    let top = 0;
    for (const r of l.rows) {
      expect(r.top).toBe(top);
      top += r.height;
    }
    expect(l.height).toBe(top);
    expect(l.height).toBe(4 * 40 + 4 * 200 + 2 * 80);
  });

  it('filters by type and sorts by oldest, name or size', () => {
    expect(layoutGallery(items, 'documents', 'size', SIZES, NOW).rows.map((r) => r.key)).toEqual([
      'documents',
      'doc:y',
      'doc:x',
    ]);
    expect(layoutGallery(items, 'videos', 'newest', SIZES, NOW).media).toEqual(['v']);
    expect(layoutGallery(items, 'photos', 'oldest', SIZES, NOW).media).toEqual(['a', 'b', 'g', 'f', 'e', 'd', 'c']);
    const byName = layoutGallery(items, 'photos', 'name', SIZES, NOW);
    expect(byName.rows[0]).toMatchObject({ kind: 'header', label: 'Photos and videos', count: 7 });
    expect(byName.media).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('labels today and days of other years', () => {
    const l = layoutGallery([photo('t', NOW), photo('o', new Date(2019, 0, 2).getTime())], 'all', 'newest', SIZES, NOW);
    const labels = l.rows.flatMap((r) => (r.kind === 'header' ? [r.label] : []));
    expect(labels[0]).toBe('Today');
    expect(labels[1]).toContain('2019');
  });
});

describe('rowsBetween', () => {
  it('returns only the rows that overlap the window, for 2,000 photos', () => {
    const many = Array.from({ length: 2000 }, (_, i) => photo(`p${String(i).padStart(4, '0')}`, day(1 + (i % 28))));
    const l = layoutGallery(many, 'all', 'newest', { ...SIZES, columns: 5 }, NOW);
    const visible = rowsBetween(l.rows, 10_000, 10_800);
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.length).toBeLessThanOrEqual(6);
    for (const r of visible) expect(r.top < 10_800 && r.top + r.height > 10_000).toBe(true);
    expect(rowsBetween(l.rows, l.height + 10, l.height + 100)).toEqual([]);
  });

  it('fits as many columns as the width allows', () => {
    expect(columnsFor(1000, 150, 8)).toBe(6);
    expect(columnsFor(343, 150, 8)).toBe(2);
    expect(columnsFor(100, 150, 8)).toBe(1);
  });
});
