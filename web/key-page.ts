/**
 * The pinned-key page. The log key is what every verification rests on, so
 * the explorer never trusts it on its own: the visitor either fetches it
 * from this log and confirms its fingerprint (SHA-256 of the key, the Rekor
 * logID; compare it with one from the operator, `cairn trust-root`, or a
 * sigstore trusted root) or pastes the PEM. Optional: the note key's vkey
 * (verifies the C2SP checkpoint line too) and witness vkeys (their
 * cosignatures are then verified). Stored in this browser (trust.ts).
 */
import { LogKey, RekorClient } from '../src/client/index.js';
import { fields, h, mono, reason } from './dom.js';
import { clearPin, loadPin, savePin } from './trust.js';

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
      const trust = savePin(noteVkey === '' ? { pem: pem.value, witnessVkeys } : { pem: pem.value, noteVkey, witnessVkeys });
      status.replaceChildren(`Pinned ${trust.logKey.fingerprint}. `, h('a', { href: '#/log' }, 'See the log'), '.');
    } catch (err) {
      status.replaceChildren(`Not pinned: ${reason(err)}`);
    }
  });
  let current: HTMLElement = h('p', { 'data-testid': 'pin-current' }, 'No key is pinned in this browser: nothing shown here can be verified until you pin one.');
  if (pin !== undefined) {
    try {
      const k = LogKey.fromPem(pin.pem);
      current = fields([
        ['Pinned log key', mono(k.fingerprint)],
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
