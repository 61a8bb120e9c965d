/**
 * The search page: one box that takes a log index, an entry UUID (64 hex) or
 * entry ID (80 hex), an artifact digest (`sha256:…`), a PEM public key or
 * certificate, an email or a URI, searched through the log's routes
 * (`/api/v1/log/entries`, `/api/v1/index/retrieve`); results as a list of
 * entries linking to their pages, where they are verified.
 */
import { toBase64, type RekorEntry, type SearchQuery, type VerifiedLog } from '../src/client/index.js';
import { decodeBody } from './body.js';
import { h, isoTime, reason } from './dom.js';

/** Most results listed (each is read from the log). */
const MAX_ROWS = 50;

/** What a query is: an entry to read directly, or index search criteria. */
export type Query =
  | { readonly type: 'index'; readonly index: number }
  | { readonly type: 'uuid'; readonly id: string; readonly alsoHash: boolean }
  | { readonly type: 'search'; readonly label: string; readonly query: SearchQuery };

/** Classifies the search box's text; undefined when it is none of the forms. */
export function classify(text: string): Query | undefined {
  const q = text.trim();
  if (/^\d{1,16}$/.test(q) && Number.isSafeInteger(Number(q))) return { type: 'index', index: Number(q) };
  if (/^(?:[0-9a-fA-F]{16})?[0-9a-fA-F]{64}$/.test(q)) return { type: 'uuid', id: q.toLowerCase(), alsoHash: q.length === 64 };
  if (/^(?:sha256|sha384|sha512|sha1):[0-9a-fA-F]+$/i.test(q)) return { type: 'search', label: 'artifact digest', query: { hash: q.toLowerCase() } };
  if (q.includes('-----BEGIN')) return { type: 'search', label: 'public key', query: { publicKey: { format: 'x509', content: toBase64(new TextEncoder().encode(q)) } } };
  if (/^[^\s@:/]+@[^\s@/]+$/.test(q)) return { type: 'search', label: 'email', query: { email: q } };
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(q)) return { type: 'search', label: 'identity URI', query: { subject: q } };
  return undefined;
}

export async function renderSearch(view: HTMLElement, log: VerifiedLog, text: string, show: () => void): Promise<void> {
  const input = h('textarea', { id: 'q', name: 'q', rows: '1', 'data-testid': 'search-input', 'aria-describedby': 'q-hint', autocomplete: 'off', spellcheck: 'false' });
  input.value = text;
  const form = h(
    'form',
    { class: 'search', role: 'search' },
    h('label', { for: 'q', class: 'hint' }, 'Search the log'),
    input,
    h('button', { type: 'submit', 'data-testid': 'search-submit' }, 'Search'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/search/${encodeURIComponent(input.value.trim())}`;
  });
  // Enter searches; Shift+Enter makes a new line (for a pasted PEM).
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  view.append(
    h('h1', {}, 'Search'),
    form,
    h('p', { id: 'q-hint', class: 'hint' }, 'A log index, an entry UUID, an artifact digest (sha256:…), a PEM public key or certificate, an email or a URI identity.'),
  );
  if (text === '') return;
  const query = classify(text);
  if (query === undefined) {
    view.append(h('p', { class: 'state-bad', 'data-testid': 'search-error' }, "This is none of the forms above, so there is nothing to search for."));
    return;
  }
  const results = h('section', { 'aria-live': 'polite' }, h('p', { class: 'hint' }, 'Searching…'));
  view.append(results);
  show();
  try {
    const entries = await find(log, query);
    const list = h('ul', { class: 'results', 'data-testid': 'results' });
    for (const e of entries.slice(0, MAX_ROWS)) list.append(row(e));
    results.replaceChildren(
      h('h2', {}, `${entries.length === 0 ? 'No entries' : entries.length === 1 ? '1 entry' : `${entries.length} entries`}`),
      entries.length === 0 ? h('p', { 'data-testid': 'no-results' }, 'The log has no entry for this.') : list,
      entries.length > MAX_ROWS ? h('p', { class: 'hint' }, `The first ${MAX_ROWS} are listed.`) : '',
    );
  } catch (err) {
    results.replaceChildren(h('p', { class: 'state-bad', 'data-testid': 'search-error' }, `The search failed: ${reason(err)}`));
  }
}

/** The entries a query names, in log order, read from the log (not yet verified: their pages do that). */
async function find(log: VerifiedLog, q: Query): Promise<RekorEntry[]> {
  if (q.type === 'index') {
    const e = await log.client.entryByIndex(q.index);
    return e === undefined ? [] : [e];
  }
  const ids: string[] = [];
  if (q.type === 'uuid') {
    const e = await log.client.entryByUuid(q.id);
    const found = e === undefined ? [] : [e];
    if (!q.alsoHash) return found;
    ids.push(...(await log.search({ hash: `sha256:${q.id}` })));
    const rest = await read(log, ids.filter((id) => id.slice(-64) !== q.id));
    return [...found, ...rest].sort((a, b) => a.logIndex - b.logIndex);
  }
  ids.push(...(await log.search(q.query)));
  return read(log, ids);
}

async function read(log: VerifiedLog, ids: readonly string[]): Promise<RekorEntry[]> {
  const out: RekorEntry[] = [];
  for (const id of ids.slice(0, MAX_ROWS + 1)) {
    const e = await log.client.entryByUuid(id);
    if (e !== undefined) out.push(e);
  }
  return out;
}

function row(e: RekorEntry): HTMLElement {
  let summary = '';
  try {
    const b = decodeBody(e.body);
    summary = [b.kind, b.digest, b.signers[0]?.label].filter((x) => x !== undefined).join(' · ');
  } catch {
    summary = 'unreadable body';
  }
  return h(
    'li',
    { 'data-testid': 'result-row', 'data-uuid': e.uuid },
    h(
      'a',
      { href: `#/entry/${e.uuid}` },
      h('span', {}, `Entry ${e.logIndex}`),
      h('br'),
      h('span', { class: 'meta mono' }, `${isoTime(e.integratedTime)} · ${summary}`),
    ),
  );
}
