// The files page's line for several uploads at once (state/upload-summary.ts), with one bar for all of them;
// hidden while one file or none is on its way (each row still has its own line).
import { h, setAttrs, setText } from '../ui/dom.ts';
import type { FileStore } from '../state/file-store.ts';
import { nextBatch, summarize, type UploadBatch } from '../state/upload-summary.ts';

export function createUploadSummary(files: FileStore): HTMLElement {
  const summaryText = h('span', { class: 'upload-summary-text' });
  const summaryBar = h('progress', { class: 'file-progress', max: 100, value: 0, 'aria-label': 'All uploads' });
  const summary = h(
    'div',
    { class: 'upload-summary', 'data-testid': 'upload-summary', hidden: true },
    summaryText,
    summaryBar,
  );
  let batch: UploadBatch | null = null;
  let summaryFrame = 0;
  const renderSummary = (): void => {
    summaryFrame = 0;
    const list = files.list();
    batch = nextBatch(batch, list, Date.now());
    const s = summarize(batch, list, Date.now());
    summary.hidden = s === null;
    if (!s) return;
    setText(summaryText, s.line);
    summaryBar.value = s.figures.percent;
    setAttrs(summary, { 'data-done': s.done, 'data-total': s.total, 'data-percent': s.figures.percent });
  };
  files.subscribe(() => {
    if (summaryFrame === 0) summaryFrame = requestAnimationFrame(renderSummary);
  });
  return summary;
}
