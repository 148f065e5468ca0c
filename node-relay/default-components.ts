// The relay's components with the real world behind them; apart from components.ts because its logger loads pino.
import { withDefaults, type Components } from './components.ts';
import { createLogger } from './logger.ts';

/** Real clock, crypto randomness, unref'd timers and a JSON-lines logger on stderr; any part can be overridden. */
export function defaultComponents(overrides: Partial<Components> = {}): Components {
  return withDefaults(overrides, () => createLogger({ level: 'info' }));
}
