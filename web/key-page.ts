/**
 * The pinned-key page. The log key is what every verification rests on, so
 * the explorer never trusts it on its own: the visitor either fetches it
 * from this log and confirms its fingerprint (SHA-256 of the key, the Rekor
 * logID; compare it with one from the operator, `cairn trust-root`, or a
 * sigstore trusted root) or pastes the PEM. Optional: the note key's vkey
 * (verifies the C2SP checkpoint line too) and witness vkeys (their
 * cosignatures are then verified). Stored in this browser (trust.ts).
 *
 * A log that rotates its key is pinned by its trusted root instead
 * (`/api/v1/log/trusted-root`: every key with its window), fetched and
 * confirmed by the fingerprints shown, or pasted; it takes the place of the
 * single key.
 */
import { LogKey, RekorClient, trustFromTrustedRoot, type LogTrust } from '../src/client/index.js';
import { fields, h, mono, reason } from './dom.js';
import { clearPin, loadPin, parseRoot, savePin, trustOf } from './trust.js';

/** Each key of `trust` with its fingerprint and window, as a list for people to compare. */
function keyList(trust: Pick<LogTrust, 'logKey' | 'logKeys'>, testId: string): HTMLElement {
  const keys = trust.logKeys ?? [{ key: trust.logKey }];
  const when = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
  return h(
    'ul',
    { 'data-testid': testId },
    ...keys.map((k) =>
      h(
        'li',
        { 'data-testid': 'root-key' },
        mono(k.key.fingerprint),
        ` (${k.key.type === 'ed25519' ? 'Ed25519' : 'ECDSA P-256'}), `,
        k.validFor === undefined ? 'any time' : `valid from ${when(k.validFor.start)}${k.validFor.end === undefined ? ' on (active)' : ` to ${when(k.validFor.end)} (retired)`}`,
      ),
    ),
  );
}

export async function renderKey(view: HTMLElement, origin: string): Promise<void> {
  const pin = loadPin();
  const pem = h('textarea', { id: 'pin-pem', rows: '5', 'data-testid': 'pin-pem', spellcheck: 'false' });
  const note = h('input', { id: 'pin-note', 'data-testid': 'pin-note', spellcheck: 'false', autocomplete: 'off' });
  const witnesses = h('textarea', { id: 'pin-witnesses', rows: '3', 'data-testid': 'pin-witnesses', spellcheck: 'false' });
  pem.value = pin?.pem ?? '';
  note.value = pin?.noteVkey ?? '';
  witnesses.value = (pin?.witnessVkeys ?? []).join('\n');
  const fingerprint = h('p', { 'data-testid': 'pin-fingerprint', 'aria-live': 'polite' });
  const status = h('p', { role: 'status', 'data-testid': 'pin-status' });
  const showFingerprint = (): void => {
    try {
      const k = LogKey.fromPem(pem.value);
      fingerprint.replaceChildren('Fingerprint: ', mono(k.fingerprint), ` (${k.type === 'ed25519' ? 'Ed25519' : 'ECDSA P-256'}). Compare it with the one the log's operator publishes before pinning.`);
    } catch (err) {
      fingerprint.replaceChildren(pem.value.trim() === '' ? '' : reason(err));
    }
  };
  pem.addEventListener('input', showFingerprint);
  const root = h('textarea', { id: 'pin-root', rows: '5', 'data-testid': 'pin-root', spellcheck: 'false' });
  root.value = pin?.trustedRoot ?? '';
  const rootKeys = h('div', { 'data-testid': 'pin-root-keys', 'aria-live': 'polite' });
  const showRootKeys = (): void => {
    if (root.value.trim() === '') {
      rootKeys.replaceChildren();
      return;
    }
    try {
      rootKeys.replaceChildren(h('p', {}, "The trusted root's log keys; compare each fingerprint with the operator's before pinning:"), keyList(trustFromTrustedRoot(parseRoot(root.value)), 'pin-root-list'));
    } catch (err) {
      rootKeys.replaceChildren(h('p', {}, reason(err)));
    }
  };
  root.addEventListener('input', showRootKeys);
  const fetchRoot = h('button', { type: 'button', class: 'secondary', 'data-testid': 'pin-fetch-root' }, 'Fetch the trusted root from this log');
  fetchRoot.addEventListener('click', () => {
    void (async () => {
      try {
        const r = await fetch(`${origin}/api/v1/log/trusted-root`);
        if (!r.ok) throw new Error(`the log answered ${r.status}`);
        root.value = JSON.stringify(await r.json(), null, 2);
        const v = await fetch(`${origin}/api/v1/log/vkey`).then((a) => (a.ok ? a.text() : ''));
        if (note.value.trim() === '') note.value = v.trim();
        showRootKeys();
        status.replaceChildren('Fetched. Check the fingerprints, then pin.');
      } catch (err) {
        status.replaceChildren(`Couldn't fetch the trusted root: ${reason(err)}`);
      }
    })();
  });
  const fetchButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'pin-fetch' }, 'Fetch the key from this log');
  fetchButton.addEventListener('click', () => {
    void (async () => {
      try {
        pem.value = await new RekorClient(origin, { retries: 0 }).publicKey();
        const v = await fetch(`${origin}/api/v1/log/vkey`).then((r) => (r.ok ? r.text() : ''));
        if (note.value.trim() === '') note.value = v.trim();
        showFingerprint();
        status.replaceChildren('Fetched. Check the fingerprint, then pin.');
      } catch (err) {
        status.replaceChildren(`Couldn't fetch the key: ${reason(err)}`);
      }
    })();
  });
  const form = h(
    'form',
    {},
    h('p', {}, h('label', { for: 'pin-pem' }, 'Log public key (PEM, from ', mono('/api/v1/log/publicKey'), ')')),
    pem,
    fingerprint,
    h('p', {}, h('label', { for: 'pin-root' }, 'Or, for a log that rotates its key: its trusted root (JSON, from ', mono('/api/v1/log/trusted-root'), '); it replaces the key above')),
    root,
    rootKeys,
    h('p', {}, fetchRoot),
    h('p', {}, h('label', { for: 'pin-note' }, 'Note key vkey (optional, from ', mono('/api/v1/log/vkey'), ')')),
    note,
    h('p', {}, h('label', { for: 'pin-witnesses' }, 'Witness vkeys (optional, one per line)')),
    witnesses,
    h('p', {}, fetchButton, ' ', h('button', { type: 'submit', 'data-testid': 'pin-save' }, 'Pin these keys')),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      const witnessVkeys = witnesses.value.split('\n').map((w) => w.trim()).filter((w) => w !== '');
      const noteVkey = note.value.trim();
      const rootText = root.value.trim();
      const keys = rootText === '' ? { pem: pem.value } : { pem: '', trustedRoot: rootText };
      const trust = savePin(noteVkey === '' ? { ...keys, witnessVkeys } : { ...keys, noteVkey, witnessVkeys });
      const pinned = trust.logKeys === undefined ? trust.logKey.fingerprint : `the trusted root's ${trust.logKeys.length} key${trust.logKeys.length === 1 ? '' : 's'}`;
      status.replaceChildren(`Pinned ${pinned}. `, h('a', { href: '#/log' }, 'See the log'), '.');
    } catch (err) {
      status.replaceChildren(`Not pinned: ${reason(err)}`);
    }
  });
  let current: HTMLElement = h('p', { 'data-testid': 'pin-current' }, 'No key is pinned in this browser: nothing shown here can be verified until you pin one.');
  if (pin !== undefined) {
    try {
      const trust = trustOf(pin);
      current = fields([
        pin.trustedRoot === undefined ? ['Pinned log key', mono(trust.logKey.fingerprint)] : ['Pinned trusted root', keyList(trust, 'pin-current-keys')],
        ['Note key', pin.noteVkey === undefined ? 'not pinned' : mono(pin.noteVkey)],
        ['Witnesses', pin.witnessVkeys.length === 0 ? 'none pinned' : h('ul', {}, ...pin.witnessVkeys.map((w) => h('li', {}, mono(w))))],
      ], 'pin-current');
    } catch (err) {
      current = h('p', { 'data-testid': 'pin-current' }, `The stored pin is unusable: ${reason(err)}`);
    }
  }
  const forget = h('button', { type: 'button', class: 'secondary', 'data-testid': 'pin-forget' }, 'Forget the pinned keys');
  forget.addEventListener('click', () => {
    clearPin();
    location.reload();
  });
  view.append(h('h1', {}, 'Pinned key'), current, pin === undefined ? '' : h('p', {}, forget), h('h2', {}, pin === undefined ? 'Pin a key' : 'Pin other keys'), form);
}
