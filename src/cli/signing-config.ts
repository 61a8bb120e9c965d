/**
 * `cairn signing-config --url URL [--out FILE]`: the log at URL as a sigstore
 * SigningConfig (GET /api/v1/log/signing-config, media type v0.2) naming its
 * Rekor v2 and v1 endpoints with their API versions, printed (or written to
 * FILE) for sigstore clients to sign with; give them the trusted root too
 * (`cairn trust-root`). The config is checked to be one: its media type and a
 * list of transparency log services, each with a URL and a major API version.
 *
 * Exit status (the table in exit-codes.ts): 0 printed; 1 the log answered
 * something that is not a signing config; 2 bad usage; 3 the log could not be
 * reached.
 */
import { LogError } from '../errors.js';
import { SIGNING_CONFIG_MEDIA_TYPE, type SigningConfigJson } from '../log/index.js';
import { fetchDocumentMain, fetchText, parseJsonDocument } from './fetch-document.js';

export function signingConfigMain(
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  return fetchDocumentMain(
    { name: 'signing-config', fetch: async (base) => parseSigningConfig(await fetchText(`${base}/api/v1/log/signing-config`)) },
    argv,
    out,
    err,
  );
}

function parseSigningConfig(text: string): SigningConfigJson {
  const value = parseJsonDocument(text, 'the signing config');
  const c = value as Partial<Record<string, unknown>> | null;
  if (typeof c !== 'object' || c === null || c['mediaType'] !== SIGNING_CONFIG_MEDIA_TYPE) {
    throw new LogError('LOG_RESPONSE_INVALID', `the answer is not a signing config of media type ${SIGNING_CONFIG_MEDIA_TYPE}`);
  }
  const services = c['rekorTlogUrls'];
  const valid = (s: unknown): boolean =>
    typeof s === 'object' && s !== null && typeof (s as { url?: unknown }).url === 'string' && Number.isInteger((s as { majorApiVersion?: unknown }).majorApiVersion);
  if (!Array.isArray(services) || services.length === 0 || !services.every(valid)) {
    throw new LogError('LOG_RESPONSE_INVALID', 'the signing config names no transparency log (rekorTlogUrls with url and majorApiVersion)');
  }
  return value as SigningConfigJson;
}
