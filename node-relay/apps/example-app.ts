// A minimal example application (docs/apps.md walks through it): a guestbook every relay keeps a copy of.
// `guestbook.sign { text }` from anyone is broadcast down the tree; each relay stores the entry in its own
// table and counts it; `guestbook.read` answers the entries this relay holds. No tree code was touched.
import { PeerTreeError } from '../../core/errors.ts';
import type { AppContext, AppInstance, RelayApp } from './app.ts';
import { EXAMPLE_MAX_READ, EXAMPLE_MAX_TEXT } from '../../core/limits.ts';

export const exampleApp: RelayApp = {
  name: 'guestbook',
  start(ctx: AppContext): AppInstance {
    ctx.db.exec(
      'CREATE TABLE IF NOT EXISTS guestbook_entries (mid TEXT PRIMARY KEY, author TEXT NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL)',
    );
    const insert = ctx.db.prepare(
      'INSERT OR IGNORE INTO guestbook_entries (mid, author, text, at) VALUES (?, ?, ?, ?)',
    );
    const latest = ctx.db.prepare('SELECT author, text, at FROM guestbook_entries ORDER BY at DESC, mid LIMIT ?');
    let received = 0;

    const offs = [
      // From a client or relay on a direct link: check the body, then broadcast it through the tree.
      ctx.dispatcher.on('guestbook.sign', async (message, link) => {
        const text = (message.body as { text?: unknown } | null)?.text;
        if (typeof text !== 'string' || text.trim() === '' || text.length > EXAMPLE_MAX_TEXT)
          throw new PeerTreeError('BAD_INPUT', `text must be 1–${EXAMPLE_MAX_TEXT} characters`);
        const mid = ctx.tree.broadcast('guestbook.entry', {
          author: message.fromId,
          text,
          at: ctx.components.clock.now(),
        });
        await link.reply(message, 'guestbook.signed', { mid });
      }),
      // Delivered exactly once on every relay (this one too) by the tree's broadcast.
      ctx.tree.on('guestbook.entry', (message) => {
        const b = message.body as { author?: unknown; text?: unknown; at?: unknown } | null;
        if (
          !message.broadcast ||
          typeof b?.author !== 'string' ||
          typeof b.text !== 'string' ||
          typeof b.at !== 'number'
        )
          return;
        if (insert.run(message.mid, b.author, b.text.slice(0, EXAMPLE_MAX_TEXT), b.at).changes > 0) received++;
      }),
      ctx.dispatcher.on('guestbook.read', async (message, link) => {
        await link.reply(message, 'guestbook.entries', { entries: latest.all(EXAMPLE_MAX_READ) });
      }),
    ];
    return {
      status: () => ({ entries: received }),
      close: () => offs.forEach((off) => off()),
    };
  },
};
