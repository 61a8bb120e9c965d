/**
 * The entry page: the entry as the log serves it (with a fresh inclusion
 * proof against its latest checkpoint), decoded, and verified here: the SET
 * and the checkpoint with the pinned log key, the inclusion proof against
 * that checkpoint, and the checkpoint against the one this browser saw last.
 * The badge says verified only when all of it holds, else failed with why.
 */
import { toBase64, toHex, type VerifiedEntry, type VerifiedLog } from '../src/client/index.js';
import { decodeBody, type DecodedBody } from './body.js';
import { badge, fields, h, isoTime, mono, reason } from './dom.js';
import { observe } from './observe.js';

export async function renderEntry(view: HTMLElement, log: VerifiedLog, id: string, show: () => void): Promise<void> {
  view.append(h('h1', {}, 'Entry'), badge('pending', 'Verifying…'));
  show();
  let entry;
  try {
    entry = /^\d+$/.test(id) ? await log.client.entryByIndex(Number(id)) : await log.client.entryByUuid(id);
  } catch (err) {
    view.replaceChildren(h('h1', {}, 'Entry'), badge('failed', 'Failed', `The log's answer could not be read: ${reason(err)}`));
    return;
  }
  if (entry === undefined) {
    view.replaceChildren(h('h1', {}, 'Entry'), h('p', { 'data-testid': 'not-found' }, `The log has no entry ${id}.`));
    return;
  }
  let verified: VerifiedEntry | undefined;
  let failure: string | undefined;
  let fork: string | undefined;
  try {
    verified = await log.verify(entry);
    const seen = await observe(log, verified.checkpoint.checkpoint);
    if (seen.state === 'fork') fork = seen.reason;
  } catch (err) {
    failure = reason(err);
  }
  let body: DecodedBody | undefined;
  let bodyError: string | undefined;
  try {
    body = decodeBody(entry.body);
  } catch (err) {
    bodyError = reason(err);
  }
  const proof = entry.inclusionProof;
  const status =
    failure !== undefined
      ? badge('failed', 'Failed', failure)
      : fork !== undefined
        ? badge('failed', 'Failed', `The log's checkpoint does not extend the one this browser saw before: ${fork}`)
        : badge(
            'verified',
            'Verified',
            `In the log at index ${entry.logIndex}: ${verified?.set === true ? 'the SET and ' : ''}the inclusion proof verify against checkpoint ${verified?.checkpoint.checkpoint.size}, signed by the pinned log key.`,
          );
  view.replaceChildren(
    h('h1', {}, `Entry ${entry.logIndex}`),
    status,
    fields(
      [
        ['Kind', body === undefined ? `unreadable body: ${bodyError}` : `${body.kind} ${body.apiVersion}`],
        ['UUID', mono(entry.uuid)],
        ['Log index', String(entry.logIndex)],
        ['Integrated', `${isoTime(entry.integratedTime)} (${entry.integratedTime})`],
        ['Digest', body?.digest === undefined ? undefined : h('code', { 'data-testid': 'entry-digest' }, body.digest)],
        ...(body?.signatures ?? []).map((s) => ['Signature', mono(s)] as const),
        ...(body?.signers ?? []).flatMap((s) => signerRows(s)),
        ['Log ID', mono(entry.logId)],
        ['SET', entry.signedEntryTimestamp === undefined ? 'none' : mono(toBase64(entry.signedEntryTimestamp))],
      ],
      'entry-fields',
    ),
    h('h2', {}, 'Inclusion proof'),
    proof === undefined
      ? h('p', {}, 'The log sent none.')
      : fields([
          ['Leaf index', String(proof.logIndex)],
          ['Tree size', String(proof.treeSize)],
          ['Root hash', mono(toHex(proof.rootHash))],
          ['Audit path', h('ol', {}, ...proof.hashes.map((x) => h('li', {}, mono(toHex(x)))))],
          ['Checkpoint signed by', verified === undefined ? 'not verified' : verified.checkpoint.signedBy.map((s) => `${s.name} (${s.signer})`).join('; ')],
        ]),
    proof === undefined ? '' : h('pre', { class: 'note' }, proof.checkpoint),
  );
}

function signerRows(s: ReturnType<typeof decodeBody>['signers'][number]): (readonly [string, string | HTMLElement | undefined])[] {
  if (s.kind === 'key') return [['Public key', mono(s.label)]];
  return [
    ['Certificate subject', s.label],
    ['Certificate issuer', s.issuer],
    ['Identity', s.sans === undefined || s.sans.length === 0 ? undefined : h('span', { 'data-testid': 'entry-identity' }, s.sans.join(', '))],
    ['OIDC issuer', s.oidcIssuer],
  ];
}
