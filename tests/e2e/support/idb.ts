// Reads the app's IndexedDB (`peertree`) from a page: what tests and benches check a device holds.
import type { Page } from '@playwright/test';

/** Every value (or, with `keys`, every key) of one object store, or one value by `key`. */
export function readStore<T>(page: Page, store: string, query: { key?: string; keys?: boolean } = {}): Promise<T> {
  return page.evaluate(
    ({ store, key, keys }) =>
      new Promise<T>((resolve, reject) => {
        const open = indexedDB.open('peertree');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const s = open.result.transaction(store).objectStore(store);
          const req = key !== undefined ? s.get(key) : keys ? s.getAllKeys() : s.getAll();
          req.onsuccess = () => {
            open.result.close();
            resolve(req.result as T);
          };
          req.onerror = () => reject(req.error);
        };
      }),
    { store, key: query.key, keys: query.keys ?? false },
  );
}
