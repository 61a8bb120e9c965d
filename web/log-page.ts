/**
 * The log page: the latest checkpoint verified with the pinned keys, the
 * witness cosignatures on it (each verified against a pinned witness key, or
 * shown as unpinned), whether it extends the checkpoint this browser saw last
 * (a warning when it does not; a rotation the log announces, whose frozen
 * tree's final checkpoint extends the one seen, is not one), the tiles checked against it, and the tree's
 * growth over time from the checkpoint history.
 */
import { toHex, trustedLogKeys, type VerifiedCheckpoint, type VerifiedLog } from '../src/client/index.js';
import { badge, fields, h, isoTime, mono, reason, svg } from './dom.js';
import { observe } from './observe.js';

/** Most history pages read for the chart (1,000 checkpoints each). */
const MAX_HISTORY_PAGES = 5;

export async function renderLog(view: HTMLElement, log: VerifiedLog, show: () => void): Promise<void> {
  view.append(h('h1', {}, 'The log'), badge('pending', 'Verifying…'));
  show();
  let cp: VerifiedCheckpoint;
  try {
    cp = await log.latestCheckpoint();
  } catch (err) {
    view.replaceChildren(h('h1', {}, 'The log'), badge('failed', 'Failed', `The latest checkpoint does not verify: ${reason(err)}`));
    return;
  }
  const seen = await observe(log, cp.checkpoint);
  const consistency =
    seen.state === 'first-visit'
      ? h('p', { 'data-testid': 'consistency', 'data-state': 'first-visit' }, 'First visit: this checkpoint is recorded, and later visits check that the log extends it.')
      : seen.state === 'consistent' && seen.rotatedFrom !== undefined
        ? h(
            'p',
            { 'data-testid': 'consistency', 'data-state': 'rotated', class: 'state-ok' },
            `The log rotated since your last visit: the tree you saw (size ${seen.previous.size}) is frozen at size ${seen.rotatedFrom.checkpoint.checkpoint.size} (tree ${seen.rotatedFrom.treeId}), `,
            'and its final checkpoint extends the one you saw (consistency proof verified); this is a later tree.',
          )
      : seen.state === 'consistent'
        ? h(
            'p',
            { 'data-testid': 'consistency', 'data-state': 'consistent', class: 'state-ok' },
            `Extends the checkpoint this browser saw last (size ${seen.previous.size}): ${seen.previous.size === cp.checkpoint.size ? 'the same tree' : 'consistency proof verified'}.`,
          )
        : seen.state === 'fork'
          ? h(
              'div',
              { role: 'alert', class: 'alert', 'data-testid': 'fork-warning' },
              h('strong', {}, 'Warning: the log shows a history that does not extend the one it showed you before. '),
              `Last seen: size ${seen.previous.size}, root ${toHex(seen.previous.root)}. ${seen.reason}. `,
              'Someone may be shown a different log than you; keep both checkpoints as evidence.',
            )
          : h('p', { 'data-testid': 'consistency', 'data-state': 'unknown', class: 'state-warn' }, `Could not check against the checkpoint seen last: ${seen.reason}`);
  const tiles = h('p', { 'data-testid': 'tiles-state', 'data-state': 'pending' }, 'Checking the tiles…');
  const chart = h('section', { 'aria-labelledby': 'growth' }, h('h2', { id: 'growth' }, 'Tree growth'), h('p', { class: 'hint' }, 'Reading the checkpoint history…'));
  view.replaceChildren(
    h('h1', {}, 'The log'),
    seen.state === 'fork' ? badge('failed', 'Failed', 'The log forked: see the warning below.') : badge('verified', 'Verified', 'The latest checkpoint is signed by the pinned log key.'),
    fields(
      [
        ['Origin', cp.checkpoint.origin],
        ['Tree size', h('strong', { 'data-testid': 'checkpoint-size' }, String(cp.checkpoint.size))],
        ['Root hash', mono(toHex(cp.checkpoint.root))],
        ['Log key', mono(signingKey(cp, log))],
        ['Signed by', cp.signedBy.map((s) => `${s.name} (${s.signer})`).join('; ')],
      ],
      'checkpoint-fields',
    ),
    consistency,
    h('h2', {}, 'Witness cosignatures'),
    cosignatures(cp, log),
    tiles,
    chart,
    h('h2', {}, 'Checkpoint as served'),
    h('pre', { class: 'note', 'data-testid': 'checkpoint-note' }, cp.note),
  );
  show();
  try {
    await log.verifyTiles(cp.checkpoint);
    tiles.replaceChildren(`The log's hash tiles hash to this root.`);
    tiles.className = 'state-ok';
    tiles.dataset['state'] = 'verified';
  } catch (err) {
    tiles.replaceChildren(`The tiles do not match this checkpoint: ${reason(err)}`);
    tiles.className = 'state-bad';
    tiles.dataset['state'] = 'failed';
  }
  try {
    chart.replaceChildren(chart.firstChild as Node, await growthChart(log));
  } catch (err) {
    chart.replaceChildren(chart.firstChild as Node, h('p', { class: 'state-bad' }, `The checkpoint history does not verify: ${reason(err)}`));
  }
}

/** The fingerprint of the pinned log key that signed `cp` (a rotated log's trees have several). */
function signingKey(cp: VerifiedCheckpoint, log: VerifiedLog): string {
  const id = cp.signedBy.find((s) => s.logId !== undefined)?.logId;
  return (trustedLogKeys(log.trust).find((k) => k.key.logId === id)?.key ?? log.trust.logKey).fingerprint;
}

function cosignatures(cp: VerifiedCheckpoint, log: VerifiedLog): HTMLElement {
  const pinned = log.trust.witnesses ?? [];
  if (cp.cosignatures.length === 0) {
    return h('p', { 'data-testid': 'no-cosignatures' }, pinned.length === 0 ? 'None, and no witness is pinned.' : 'No witness has cosigned this checkpoint yet.');
  }
  const label = { verified: 'verified', failed: 'does not verify', unpinned: 'not verified: witness key not pinned' } as const;
  return h(
    'ul',
    {},
    ...cp.cosignatures.map((c) =>
      h(
        'li',
        { 'data-testid': 'cosignature', 'data-state': c.state, class: c.state === 'verified' ? 'state-ok' : c.state === 'failed' ? 'state-bad' : 'state-warn' },
        `${c.name} (key ${c.keyId}): ${label[c.state]}`,
        c.timestamp === undefined ? '' : `, cosigned ${isoTime(c.timestamp)}`,
      ),
    ),
  );
}

/** An SVG line of tree size over publication time, from the verified checkpoint history, with a table for screen readers. */
async function growthChart(log: VerifiedLog): Promise<HTMLElement> {
  const points: { t: number; size: number }[] = [];
  let from: number | undefined = 0;
  for (let page = 0; page < MAX_HISTORY_PAGES && from !== undefined; page++) {
    const p: Awaited<ReturnType<VerifiedLog['checkpointHistory']>> = await log.checkpointHistory(from, 1000);
    for (const c of p.checkpoints) points.push({ t: c.timeMs, size: c.checkpoint.size });
    from = p.next;
  }
  if (points.length < 2) return h('p', { 'data-testid': 'growth-chart' }, `${points.length} checkpoint${points.length === 1 ? '' : 's'} so far.`);
  const W = 600;
  const H = 200;
  const pad = 40;
  const t0 = points[0]?.t ?? 0;
  const t1 = Math.max(points[points.length - 1]?.t ?? 1, t0 + 1);
  const s1 = Math.max(points[points.length - 1]?.size ?? 1, 1);
  const x = (t: number): number => pad + ((t - t0) / (t1 - t0)) * (W - 2 * pad);
  const y = (s: number): number => H - pad + -(s / s1) * (H - 2 * pad);
  const line = points.map((p) => `${x(p.t).toFixed(1)},${y(p.size).toFixed(1)}`).join(' ');
  const first = new Date(t0).toISOString();
  const last = new Date(t1).toISOString();
  const summary = `Tree size from ${points[0]?.size} to ${s1} between ${first} and ${last}, ${points.length} checkpoints.`;
  return h(
    'figure',
    { 'data-testid': 'growth-chart' },
    svg(
      'svg',
      { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': summary },
      svg('polyline', { points: line }),
      svg('text', { x: String(pad), y: String(H - 12) }, first.slice(0, 16).replace('T', ' ')),
      svg('text', { x: String(W - pad), y: String(H - 12), 'text-anchor': 'end' }, last.slice(0, 16).replace('T', ' ')),
      svg('text', { x: '4', y: String(pad - 8) }, String(s1)),
    ),
    h('figcaption', { class: 'hint' }, summary),
  );
}
