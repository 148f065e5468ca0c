// Which files are selected in the files area: select mode on or off, and the chosen ids. One instance is shared
// by the grid, the list rows and the select bar; each subscribes and redraws only what it shows.

export type SelectionListener = () => void;

export class Selection {
  private mode = false;
  private readonly chosen = new Set<string>();
  private readonly listeners = new Set<SelectionListener>();

  /** Whether select mode is on (rows show their checkbox; a tap selects instead of opening). */
  get active(): boolean {
    return this.mode;
  }

  get size(): number {
    return this.chosen.size;
  }

  has(id: string): boolean {
    return this.chosen.has(id);
  }

  /** The selected ids, in the order they were chosen. */
  ids(): string[] {
    return [...this.chosen];
  }

  /** Turns select mode on; with `id`, selects that file too (a long press on it). */
  start(id?: string): void {
    const changed = !this.mode || (id !== undefined && !this.chosen.has(id));
    this.mode = true;
    if (id !== undefined) this.chosen.add(id);
    if (changed) this.emit();
  }

  /** Turns select mode off and forgets the selection. */
  stop(): void {
    if (!this.mode && this.chosen.size === 0) return;
    this.mode = false;
    this.chosen.clear();
    this.emit();
  }

  set(id: string, selected: boolean): void {
    if (selected === this.chosen.has(id)) return;
    if (selected) this.chosen.add(id);
    else this.chosen.delete(id);
    this.emit();
  }

  toggle(id: string): void {
    this.set(id, !this.chosen.has(id));
  }

  /** Drops ids that are no longer files (deleted here or on another device). */
  keepOnly(exists: (id: string) => boolean): void {
    let changed = false;
    for (const id of this.chosen)
      if (!exists(id)) {
        this.chosen.delete(id);
        changed = true;
      }
    if (changed) this.emit();
  }

  subscribe(listener: SelectionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
