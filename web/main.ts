/**
 * The explorer's entry point: a hash router over four pages (search, entry,
 * log, pinned key). Every page is rendered from what the log answers and
 * verified here with the pinned keys (trust.ts); without a pin, every page
 * but the key page asks the visitor to pin one first.
 */
import { VerifiedLog } from '../src/client/index.js';
import { h, reason } from './dom.js';
import { renderEntry } from './entry-page.js';
import { renderKey } from './key-page.js';
import { renderLog } from './log-page.js';
import { renderSearch } from './search-page.js';
import { loadPin, trustOf } from './trust.js';

const main = document.getElementById('main') as HTMLElement;
let generation = 0;

/** The log this page came from, verified with the pinned keys; undefined without a (usable) pin. */
function pinnedLog(): VerifiedLog | string {
  const pin = loadPin();
  if (pin === undefined) return 'No log key is pinned in this browser yet.';
  try {
    return new VerifiedLog(location.origin, trustOf(pin), { retries: 0 });
  } catch (err) {
    return `The pinned keys are unusable: ${reason(err)}`;
  }
}

async function route(): Promise<void> {
  const mine = ++generation;
  const hash = location.hash.replace(/^#/, '') || '/';
  const [, page = '', ...rest] = hash.split('/');
  const arg = decodeURIComponent(rest.join('/'));
  const view = h('div');
  // A slower earlier page must not overwrite a later one.
  const show = (): void => {
    if (mine === generation) main.replaceChildren(view);
  };
  if (page === 'key') {
    await renderKey(view, location.origin);
    show();
    return;
  }
  const log = pinnedLog();
  if (typeof log === 'string') {
    view.append(
      h('h1', {}, 'Pin the log key first'),
      h('p', { 'data-testid': 'pin-needed' }, log, ' The explorer verifies everything with a key you pin; ', h('a', { href: '#/key' }, 'pin it on the key page'), '.'),
    );
    show();
    return;
  }
  if (page === 'entry') await renderEntry(view, log, arg, show);
  else if (page === 'log') await renderLog(view, log, show);
  else await renderSearch(view, log, page === 'search' ? arg : '', show);
  show();
}

window.addEventListener('hashchange', () => {
  void route().then(() => main.focus());
});
void route();
