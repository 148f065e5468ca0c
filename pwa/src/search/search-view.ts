// "#/search" and "#/search/WORDS": find memories on the tree (each result checked here), open the file a
// memory refers to, forget one's own memories, and remember a plain note.
import { toHex } from '../../../core/bytes.ts';
import { toPeerTreeError } from '../../../core/errors.ts';
import { CLIENT_CONNECT_TIMEOUT_MS, MAX_MEMORY_TEXT, MAX_QUERY_CHARS } from '../../../core/limits.ts';
import { checkContent } from '../../../core/search/memory.ts';
import { h, setAttrs, setText } from '../ui/dom.ts';
import { keyName } from '../ledger/ledger-panel.ts';
import { hrefOf } from '../ui/router.ts';
import type { Session } from '../sync/session.ts';
import { forgetMemory, searchMemories, type VerifiedHit } from '../../../core/protocol/memory-client.ts';
import type { FileRecord } from '../data/db.ts';
import { formatBytes } from '../ui/format.ts';
import { searchOwnFiles } from './own-files.ts';
import { parseTags } from './tags.ts';

/** Hits asked for per search (the relay gives at most MAX_RESULTS). */
const SHOWN_RESULTS = 20;

export interface SearchViewDeps {
  readonly session: Session;
  /** Queues a memory in the outbox (sent, signed, when a relay is reachable); resolves with the outbox id. */
  readonly rememberNote: (memory: { text: string; tags: string[]; ref: null }) => Promise<string>;
  /** The outbox item with this id: gone once delivered; `stopped` with `lastError` when a relay refused it. */
  readonly outboxItem: (id: string) => Promise<{ stopped: boolean; lastError: string | null } | undefined>;
  /** This device's library (what "Your files" searches, instantly and offline). */
  readonly ownFiles: () => readonly FileRecord[];
}

export interface SearchView {
  readonly element: HTMLElement;
  show(query: string): void;
  /** The outbox item `id` changed (delivered or refused). */
  outboxChanged(id: string): void;
}

export function createSearchView(deps: SearchViewDeps): SearchView {
  const input = h('input', {
    type: 'search',
    id: 'search-input',
    class: 'text-input',
    maxlength: MAX_QUERY_CHARS,
    autocomplete: 'off',
    placeholder: 'Describe what you are looking for',
    'data-testid': 'search-input',
  });
  const form = h(
    'form',
    { class: 'search-form', role: 'search' },
    h('label', { for: 'search-input', class: 'visually-hidden' }, 'Search memories'),
    input,
    h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'search-submit' }, 'Search'),
  );
  const status = h('p', {
    class: 'form-status',
    role: 'status',
    'aria-live': 'polite',
    'data-testid': 'search-status',
    'data-state': 'idle',
  });
  const partial = h(
    'p',
    { class: 'notice notice-info', 'data-testid': 'search-partial', hidden: true },
    'Partial results: some relays did not answer in time, so there may be more.',
  );
  const results = h('ul', {
    class: 'search-results',
    'data-testid': 'search-results',
    'aria-label': 'Results from the network',
  });
  const ownStatus = h('p', { class: 'note', 'data-testid': 'search-own-status' });
  const ownResults = h('ul', {
    class: 'search-results',
    'data-testid': 'search-own-results',
    'aria-label': 'Your files',
  });

  const noteText = h('textarea', {
    id: 'note-text',
    class: 'text-input',
    rows: 3,
    maxlength: MAX_MEMORY_TEXT,
    'data-testid': 'note-text',
  });
  const noteTags = h('input', {
    type: 'text',
    id: 'note-tags',
    class: 'text-input',
    autocomplete: 'off',
    'data-testid': 'note-tags',
  });
  const noteStatus = h('p', { class: 'form-status', role: 'status', 'data-testid': 'note-status' });
  const noteForm = h(
    'form',
    { class: 'stack' },
    h('label', { for: 'note-text' }, 'Text'),
    noteText,
    h('label', { for: 'note-tags' }, 'Tags (optional, separated by commas)'),
    noteTags,
    h('button', { type: 'submit', class: 'button', 'data-testid': 'note-remember' }, 'Remember'),
    noteStatus,
  );

  const element = h(
    'section',
    { class: 'view view-search', 'aria-labelledby': 'search-title', 'data-testid': 'search-view' },
    h('h1', { id: 'search-title' }, 'Search'),
    form,
    h('h2', {}, 'Your files'),
    ownStatus,
    ownResults,
    h('h2', {}, 'From the network'),
    h(
      'p',
      { class: 'note' },
      'What people made findable on the relays. Each result is checked on this device: its signature must match its author, or it is not shown.',
    ),
    status,
    partial,
    results,
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'Remember a note'),
      h(
        'p',
        { class: 'notice notice-info' },
        'Notes are public: the relays that keep them, and anyone who searches, can read them. They are signed with your key, and only you can forget them.',
      ),
      noteForm,
    ),
  );

  let generation = 0;
  let shownQuery: string | null = null;
  const pendingNotes = new Set<string>();

  const renderHit = (hit: VerifiedHit, me: string | null): HTMLLIElement => {
    const m = hit.memory;
    const mine = me !== null && m.author === me;
    const actions = h('span', { class: 'file-actions' });
    if (m.ref)
      actions.append(
        h(
          'a',
          {
            class: 'link-button',
            href: hrefOf({ name: 'open', capability: m.ref }),
            'data-testid': 'search-result-open',
          },
          'Open the file',
        ),
      );
    const li = h(
      'li',
      {
        class: 'search-result',
        'data-testid': 'search-result',
        'data-id': hit.id,
        'data-ref': m.ref ?? '',
        'data-author': m.author,
        'data-mine': String(mine),
      },
      h('p', { class: 'search-result-text', 'data-testid': 'search-result-text' }, m.text),
      m.tags.length > 0
        ? h(
            'p',
            { class: 'search-result-tags' },
            ...m.tags.map((t) => h('span', { class: 'badge', 'data-testid': 'search-result-tag' }, t)),
          )
        : null,
      h(
        'p',
        { class: 'note' },
        `by ${mine ? 'you' : keyName(m.author)} · `,
        h('time', { datetime: new Date(m.ts).toISOString() }, new Date(m.ts).toLocaleString()),
        m.ref ? ' · refers to a file' : '',
      ),
      actions,
    );
    if (mine) {
      const forget = h(
        'button',
        { type: 'button', class: 'link-button', 'data-testid': 'search-result-forget' },
        'Forget',
      );
      forget.addEventListener('click', () => {
        forget.disabled = true;
        setText(forget, 'Forgetting…');
        deps.session
          .connected(CLIENT_CONNECT_TIMEOUT_MS)
          .then(({ socket, identity }) => forgetMemory(socket, { identity, now: Date.now }, hit.id))
          .then(
            () => {
              li.remove();
              setText(status, 'Forgotten: every relay deletes it.');
              setAttrs(status, { 'data-count': results.children.length });
            },
            (err: unknown) => {
              const e = toPeerTreeError(err);
              forget.disabled = false;
              setText(forget, 'Forget');
              setText(status, `Could not forget it (${e.code}): ${e.message}`);
            },
          );
      });
      actions.append(forget);
    }
    return li;
  };

  /** "Your files": this device's library, matched as the person types (an empty query lists the newest). */
  function renderOwn(query: string): void {
    const files = searchOwnFiles(deps.ownFiles(), query);
    ownResults.replaceChildren(
      ...files.map((f) =>
        h(
          'li',
          { class: 'search-result', 'data-testid': 'search-own-result', 'data-name': f.name, 'data-status': f.status },
          h('p', { class: 'search-result-text' }, f.name),
          h(
            'p',
            { class: 'note' },
            `${formatBytes(f.size)} · added `,
            h('time', { datetime: new Date(f.addedAt).toISOString() }, new Date(f.addedAt).toLocaleDateString()),
          ),
          f.capability && f.status === 'stored'
            ? h(
                'span',
                { class: 'file-actions' },
                h(
                  'a',
                  {
                    class: 'link-button',
                    href: hrefOf({ name: 'open', capability: f.capability }),
                    'data-testid': 'search-own-open',
                  },
                  'Open',
                ),
              )
            : h('p', { class: 'note' }, f.status === 'error' ? 'Not stored: see Files' : 'Still being stored'),
        ),
      ),
    );
    const n = files.length;
    setAttrs(ownStatus, { 'data-count': n });
    setText(
      ownStatus,
      query.trim() === ''
        ? n === 0
          ? 'No files yet.'
          : 'Your newest files:'
        : n === 0
          ? 'None of your files matches.'
          : `${n} of your files match${n === 1 ? 'es' : ''}.`,
    );
  }

  input.addEventListener('input', () => renderOwn(input.value));

  async function run(query: string): Promise<void> {
    const mine = ++generation;
    shownQuery = query;
    if (input.value !== query) input.value = query;
    renderOwn(query);
    results.replaceChildren();
    partial.hidden = true;
    if (query.trim() === '') {
      setAttrs(status, { 'data-state': 'idle', 'data-count': null, 'data-error': null });
      setText(status, '');
      return;
    }
    setAttrs(status, { 'data-state': 'searching', 'data-count': null, 'data-error': null });
    setText(status, 'Searching the tree…');
    try {
      const { socket, identity } = await deps.session.connected(CLIENT_CONNECT_TIMEOUT_MS);
      const answer = await searchMemories(socket, query, SHOWN_RESULTS);
      if (mine !== generation) return;
      const me = toHex(identity.publicKey);
      results.replaceChildren(...answer.hits.map((hit) => renderHit(hit, me)));
      partial.hidden = !answer.partial;
      const n = answer.hits.length;
      const dropped =
        answer.dropped > 0
          ? ` ${answer.dropped} result${answer.dropped === 1 ? '' : 's'} did not verify and ${answer.dropped === 1 ? 'was' : 'were'} left out.`
          : '';
      setText(status, `${n === 0 ? 'Nothing found.' : `${n} result${n === 1 ? '' : 's'}.`}${dropped}`);
      setAttrs(status, {
        'data-state': 'done',
        'data-count': n,
        'data-dropped': answer.dropped,
        'data-partial': String(answer.partial),
      });
    } catch (err) {
      if (mine !== generation) return;
      const e = toPeerTreeError(err);
      setAttrs(status, { 'data-state': 'error', 'data-error': e.code });
      const hint =
        e.code === 'UNAVAILABLE' || e.code === 'CLOSED' || e.code === 'TIMEOUT'
          ? 'Search needs a connection to a relay.'
          : 'The search was refused.';
      setText(status, `${hint} (${e.code}: ${e.message})`);
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = input.value.slice(0, MAX_QUERY_CHARS);
    const href = hrefOf({ name: 'search', query: q });
    // The query lives in the address (shareable, back button); the same query again searches again.
    if (location.hash === href || shownQuery === q) void run(q);
    else location.hash = href;
  });

  noteForm.addEventListener('submit', (e) => {
    e.preventDefault();
    let content;
    try {
      content = checkContent({ text: noteText.value.trim(), tags: parseTags(noteTags.value), ref: null });
    } catch (err) {
      setAttrs(noteStatus, { 'data-state': 'error' });
      setText(noteStatus, toPeerTreeError(err).message);
      return;
    }
    deps.rememberNote({ text: content.text, tags: [...content.tags], ref: null }).then(
      (id) => {
        pendingNotes.add(id);
        noteText.value = '';
        noteTags.value = '';
        setAttrs(noteStatus, { 'data-state': 'queued', 'data-outbox-id': id });
        setText(
          noteStatus,
          deps.session.isReady() ? 'Sending…' : 'Saved in the outbox; it is sent when a relay is reachable.',
        );
      },
      (err: unknown) => {
        setAttrs(noteStatus, { 'data-state': 'error' });
        setText(noteStatus, `Could not save the note: ${toPeerTreeError(err).message}`);
      },
    );
  });

  return {
    element,
    show(query) {
      if (query !== shownQuery) void run(query);
    },
    outboxChanged(id) {
      if (!pendingNotes.has(id)) return;
      void deps.outboxItem(id).then((item) => {
        if (noteStatus.dataset.outboxId !== id) return;
        if (!item) {
          pendingNotes.delete(id);
          setAttrs(noteStatus, { 'data-state': 'stored' });
          setText(noteStatus, 'Remembered: relays keep it, and searches find it.');
        } else if (item.stopped) {
          setAttrs(noteStatus, { 'data-state': 'error' });
          setText(noteStatus, `A relay refused the note: ${item.lastError ?? 'unknown reason'}`);
        }
      });
    },
  };
}
