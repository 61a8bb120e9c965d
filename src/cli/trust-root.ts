/**
 * `cairn trust-root --url URL [--out FILE]`: the log at URL as a sigstore
 * TrustedRoot (GET /api/v1/log/trusted-root), checked against the log key it
 * serves (GET /api/v1/log/publicKey: same key, logID = SHA-256 of it), printed
 * (or written to FILE) for sigstore-js, cosign or sigstore-go to trust.
 *
 * Trust is decided by whoever runs this: fetch it over a channel you trust,
 * or compare the key with one obtained out of band.
 *
 * Exit status (the table in exit-codes.ts): 0 printed; 1 the log answered
 * something that is not a trusted root for its own key; 2 bad usage; 3 the
 * log could not be reached.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { LogError } from '../errors.js';
import type { TrustedRootJson } from '../log/index.js';
import { fetchDocumentMain, fetchText, parseJsonDocument } from './fetch-document.js';

export function trustRootMain(
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  return fetchDocumentMain(
    {
      name: 'trust-root',
      fetch: async (base) => {
        const root = parseRoot(await fetchText(`${base}/api/v1/log/trusted-root`));
        checkRoot(root, await fetchText(`${base}/api/v1/log/publicKey`));
        return root;
      },
    },
    argv,
    out,
    err,
  );
}

function parseRoot(text: string): TrustedRootJson {
  const root = parseJsonDocument(text, 'the trusted root');
  if (typeof root !== 'object' || root === null || !Array.isArray((root as { tlogs?: unknown }).tlogs)) {
    throw new LogError('LOG_RESPONSE_INVALID', 'the trusted root has no tlogs list');
  }
  return root as TrustedRootJson;
}

/** The root must name exactly the key the log serves, with logID = SHA-256 of its DER SPKI. */
function checkRoot(root: TrustedRootJson, publicKeyPem: string): void {
  const tlog = root.tlogs?.[0];
  if (root.tlogs?.length !== 1 || tlog === undefined) throw new LogError('LOG_RESPONSE_INVALID', 'the trusted root does not name exactly one log');
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  if (tlog.publicKey?.rawBytes !== der.toString('base64')) throw new LogError('LOG_RESPONSE_INVALID', "the trusted root's key is not the key the log serves at /api/v1/log/publicKey");
  if (tlog.logId?.keyId !== createHash('sha256').update(der).digest('base64')) throw new LogError('LOG_RESPONSE_INVALID', "the trusted root's logId is not the SHA-256 of the log key");
}
