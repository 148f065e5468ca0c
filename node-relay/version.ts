// The running PeerTree's version (package.json), in a module of its own: `peertree --version` loads nothing else.
import { readFileSync } from 'node:fs';

/** package.json's version, or 0.0.0 when it cannot be read. Found one level below the repository root, as the
 * relay's other files find dist/ (this module is compiled into build/, also one level below). */
export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
