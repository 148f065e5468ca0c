// The files page's downloads in progress (a row's or the select bar's Download): one line each with percent,
// speed, time left and Cancel (media/download-task.ts); a finished one says so, then its line goes.
import { h, setAttrs, setText } from '../ui/dom.ts';
import type { DownloadTask } from '../media/download-task.ts';
import type { ProgressFigures } from '../state/progress-figures.ts';
import { progressLine } from '../state/progress-figures.ts';
import { DOWNLOAD_DONE_LINE_MS } from '../../../core/limits.ts';

export interface DownloadStatus {
  readonly element: HTMLElement;
  /** Shows `name`'s download; returns the function its progress is reported to. */
  track(name: string, task: DownloadTask): (figures: ProgressFigures) => void;
}

export function createDownloadStatus(): DownloadStatus {
  const element = h('ul', { class: 'download-status', 'data-testid': 'download-status', 'aria-label': 'Downloads' });
  element.hidden = true;
  const refresh = (): void => {
    element.hidden = element.children.length === 0;
  };
  return {
    element,
    track(name, task) {
      const text = h('span', { class: 'download-text' }, `${name}: fetching…`);
      const cancel = h(
        'button',
        { type: 'button', class: 'link-button', 'aria-label': `Cancel the download of ${name}` },
        'Cancel',
      );
      const line = h('li', { class: 'download-line', 'data-testid': 'download-line', 'data-name': name }, text, cancel);
      cancel.addEventListener('click', () => task.cancel());
      element.append(line);
      refresh();
      const finish = (words: string, state: string): void => {
        cancel.remove();
        setText(text, `${name}: ${words}`);
        setAttrs(line, { 'data-state': state });
        setTimeout(() => {
          line.remove();
          refresh();
        }, DOWNLOAD_DONE_LINE_MS);
      };
      task.done.then(
        () => finish('downloaded, every piece checked.', 'done'),
        () => finish(task.cancelled ? 'download stopped, nothing was saved.' : 'the download failed.', 'stopped'),
      );
      return (f) => {
        if (!task.cancelled) setText(text, `${name}: ${progressLine(f)}`);
      };
    },
  };
}
