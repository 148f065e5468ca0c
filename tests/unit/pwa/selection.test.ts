// Select mode's state: start/stop, toggling, and dropping files that are gone, with one event per real change.
import { describe, expect, it } from 'vitest';
import { Selection } from '../../../pwa/src/gallery/selection.ts';

describe('Selection', () => {
  it('starts with a file, toggles others, and forgets everything when stopped', () => {
    const s = new Selection();
    let events = 0;
    s.subscribe(() => events++);
    expect(s.active).toBe(false);
    s.start('a');
    expect(s.active).toBe(true);
    expect(s.ids()).toEqual(['a']);
    s.toggle('b');
    s.toggle('a');
    expect(s.ids()).toEqual(['b']);
    s.set('b', true); // no change, no event
    expect(events).toBe(3);
    s.stop();
    expect(s.active).toBe(false);
    expect(s.size).toBe(0);
    s.stop(); // already off: no event
    expect(events).toBe(4);
  });

  it('drops ids that are no longer files', () => {
    const s = new Selection();
    s.start();
    for (const id of ['a', 'b', 'c']) s.set(id, true);
    let events = 0;
    s.subscribe(() => events++);
    s.keepOnly((id) => id !== 'b');
    expect(s.ids()).toEqual(['a', 'c']);
    s.keepOnly(() => true);
    expect(events).toBe(1);
  });
});
