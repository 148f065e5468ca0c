// A video's poster frame, taken in the page (decoding video needs a <video> element, which workers lack):
// a frame a tenth into the video (at most 1 s in) as an ImageBitmap for the thumbnail worker to scale.
import { POSTER_TIMEOUT_MS } from '../../../core/limits.ts';

function once(target: EventTarget, events: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const done = (name: string): void => {
      clearTimeout(timer);
      for (const e of events) target.removeEventListener(e, handlers[e]!);
      resolve(name);
    };
    const handlers: Record<string, () => void> = Object.fromEntries(events.map((e) => [e, () => done(e)]));
    for (const e of events) target.addEventListener(e, handlers[e]!);
    const timer = setTimeout(() => done('timeout'), timeoutMs);
  });
}

/** The poster frame, or null when this browser cannot decode the video (or takes too long). */
export async function posterFrame(file: Blob): Promise<ImageBitmap | null> {
  if (typeof document === 'undefined') return null;
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.playsInline = true;
  try {
    video.src = url;
    if ((await once(video, ['loadeddata', 'error'], POSTER_TIMEOUT_MS)) !== 'loadeddata') return null;
    const at = Number.isFinite(video.duration) && video.duration > 0 ? Math.min(1, video.duration / 10) : 0;
    if (at > 0) {
      video.currentTime = at;
      if ((await once(video, ['seeked', 'error'], POSTER_TIMEOUT_MS)) !== 'seeked') return null;
    }
    if (video.videoWidth === 0 || video.videoHeight === 0) return null;
    return await createImageBitmap(video);
  } catch {
    return null;
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}
