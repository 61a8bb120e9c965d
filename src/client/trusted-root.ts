/**
 * A log's keys from a sigstore TrustedRoot (protobuf-specs
 * `dev.sigstore.trustroot.v1.TrustedRoot`, JSON form, as Cairn serves it at
 * `/api/v1/log/trusted-root` and as sigstore's TUF repositories ship it):
 * each `tlogs` item gives a key (DER SPKI, `rawBytes`), its `logId.keyId`
 * (SHA-256 of that SPKI, checked here) and its `validFor` window. A log that
 * rotated to a new key has one item per key, the retired ones with an end.
 */
import { LogError } from '../errors.js';
import { fromBase64, toHex } from './bytes.js';
import type { LogTrust, TrustedLogKey } from './checkpoint.js';
import { LogKey } from './log-key.js';

/**
 * The trust a TrustedRoot gives in one log: its tlogs (those whose `baseUrl`
 * is `baseUrl`, trailing slashes ignored, when given), the active key
 * (`logKey`) being the one whose window is open, else the latest. Throws
 * KEY_INVALID when the JSON is no TrustedRoot, a key is unusable, a logId is
 * not its key's, a window is unreadable, or no tlog is left.
 */
export function trustFromTrustedRoot(root: unknown, baseUrl?: string): Pick<LogTrust, 'logKey' | 'logKeys'> {
  const tlogs = (root as { tlogs?: unknown } | null)?.tlogs;
  if (!Array.isArray(tlogs)) throw new LogError('KEY_INVALID', "couldn't read the trusted root: it has no tlogs list");
  const want = baseUrl?.replace(/\/+$/, '');
  const keys: TrustedLogKey[] = [];
  for (const [i, t] of tlogs.entries()) {
    const tlog = t as { baseUrl?: unknown; publicKey?: { rawBytes?: unknown; validFor?: { start?: unknown; end?: unknown } }; logId?: { keyId?: unknown } } | null;
    if (want !== undefined && (typeof tlog?.baseUrl !== 'string' || tlog.baseUrl.replace(/\/+$/, '') !== want)) continue;
    const raw = tlog?.publicKey?.rawBytes;
    const der = typeof raw === 'string' ? fromBase64(raw) : undefined;
    if (der === undefined) throw new LogError('KEY_INVALID', `couldn't read the trusted root: tlog ${i} has no publicKey.rawBytes`);
    const key = LogKey.fromSpki(der);
    const keyId = tlog?.logId?.keyId;
    const id = typeof keyId === 'string' ? fromBase64(keyId) : undefined;
    if (id === undefined || toHex(id) !== key.logId) throw new LogError('KEY_INVALID', `couldn't read the trusted root: tlog ${i}'s logId is not the SHA-256 of its key`);
    const start = seconds(tlog?.publicKey?.validFor?.start, i, 'start');
    const endText = tlog?.publicKey?.validFor?.end;
    const end = endText === undefined || endText === null ? undefined : seconds(endText, i, 'end');
    keys.push({ key, validFor: end === undefined ? { start } : { start, end } });
  }
  const open = keys.filter((k) => k.validFor?.end === undefined);
  const active = (open.length > 0 ? open : keys).reduce<TrustedLogKey | undefined>((a, k) => (a === undefined || (k.validFor?.start ?? 0) >= (a.validFor?.start ?? 0) ? k : a), undefined);
  if (active === undefined) throw new LogError('KEY_INVALID', `couldn't read the trusted root: no tlog${want === undefined ? '' : ` for ${want}`}`);
  keys.sort((a, b) => (a.validFor?.start ?? 0) - (b.validFor?.start ?? 0));
  return { logKey: active.key, logKeys: keys };
}

/** An RFC 3339 timestamp as POSIX seconds (rounded down). */
function seconds(v: unknown, i: number, which: string): number {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new LogError('KEY_INVALID', `couldn't read the trusted root: tlog ${i}'s validFor.${which} is not an RFC 3339 time`);
  return Math.floor(ms / 1000);
}
