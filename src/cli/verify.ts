/**
 * `cairn verify IMAGE --key PUB --log-key LOGPUB` and
 * `cairn verify-attestation IMAGE --key PUB --log-key LOGPUB --type URI`:
 * resolve IMAGE now, read every signature (attestation) attached to that
 * digest in both formats (legacy `.sig`/`.att` layers, bundle referrers),
 * verify each fully (src/verifier), and, with --log-url and
 * without --offline, confirm each verified entry with a fresh inclusion
 * proof from the log. One line per signature (verdict and reason) or
 * `--output json`. Exit 0 only when at least one verified (exit-codes.ts).
 */
import { parseArgs } from 'node:util';
import { describeError } from '../errors.js';
import { readPublicKey } from '../keys/index.js';
import { formatReference, parseImageReference, repositoryName, type ImageReference } from '../oci/index.js';
import { COSIGN_SIGN_PREDICATE_TYPE, type Trust } from '../signing/index.js';
import { EXIT, UsageError } from './exit-codes.js';
import { LOG_OPTIONS, REGISTRY_OPTIONS, imageArgument, intFlag, logClient, outputMode, processIo, registryClient, required, type Io } from './image-options.js';
import { createTrust, verifyAll, type SignatureReport } from '../verifier/index.js';
import { fail } from './sign.js';

export const VERIFY_USAGE = `usage: cairn verify IMAGE --key PUB --log-key LOGPUB [--log-url URL] [--offline]
       [--witness VKEY]... [--min-witnesses N] [--identity REPO]
       [--registry-ca FILE] [--insecure-registry] [--output text|json]
       cairn verify-attestation IMAGE --key PUB --log-key LOGPUB --type URI
       [same flags]
  --key       the signer's public key (PEM)
  --log-key   the log's public key (PEM: GET <log>/api/v1/log/publicKey);
              repeatable
  --log-url   also confirm each entry with a fresh inclusion proof from this
              log (unless --offline)
  --witness   a witness verifier key (<name>+<id>+<base64>); --min-witnesses
              of them must cosign the checkpoint
  --identity  the repository legacy signatures must name (default: IMAGE's),
              for a copy in a mirror`;

/** Runs `cairn verify` (`attestation` false) or `cairn verify-attestation`; returns the exit status. */
export async function verifyMain(argv: readonly string[], attestation: boolean, io: Io = processIo): Promise<number> {
  let output: 'text' | 'json' = 'text';
  const command = attestation ? 'verify-attestation' : 'verify';
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        ...REGISTRY_OPTIONS,
        ...LOG_OPTIONS,
        key: { type: 'string', multiple: true },
        'log-key': { type: 'string', multiple: true },
        offline: { type: 'boolean', default: false },
        witness: { type: 'string', multiple: true },
        'min-witnesses': { type: 'string' },
        type: { type: 'string' },
        identity: { type: 'string' },
      },
    });
    if (values.help === true) {
      io.out(`${VERIFY_USAGE}\n`);
      return EXIT.OK;
    }
    output = outputMode(values.output);
    const ref = imageArgument(positionals, VERIFY_USAGE);
    const predicateType = attestation ? required(values, 'type', VERIFY_USAGE) : undefined;
    const trust = trustOf(values);
    const logUrl = values['log-url'];
    const log = typeof logUrl === 'string' && values.offline !== true ? logClient(logUrl, values, io) : undefined;
    const registry = registryClient(values, io);
    try {
      io.err(`cairn: resolving ${formatReference(ref)}\n`);
      const target = await registry.resolve(ref);
      const kind = attestation ? 'attestation' : 'signature';
      const progress = (msg: string): void => io.err(`cairn: ${msg}\n`);
      const identity = typeof values.identity === 'string' ? repositoryName(parseImageReference(values.identity)) : repositoryName(ref);
      const ctx = { registry, ref, digest: target.digest, repository: identity, trust, log, progress };
      // `verify` accepts bundles of cosign's "signed" statement only; `verify-attestation` those of --type.
      const reports = await verifyAll(ctx, kind, predicateType ?? COSIGN_SIGN_PREDICATE_TYPE);
      const verified = reports.some((r) => r.ok);
      print(io, output, ref, target.digest, kind, reports, verified);
      return verified ? EXIT.OK : EXIT.FAILED;
    } finally {
      registry.close();
    }
  } catch (err) {
    return fail(io, output, command, err);
  }
}

/** The trust policy from --key, --log-key, --witness and --min-witnesses. */
function trustOf(values: Record<string, unknown>): Trust {
  const keys = values['key'] as string[] | undefined;
  const logKeys = values['log-key'] as string[] | undefined;
  if (keys === undefined || keys.length === 0) throw new UsageError(`--key is required\n${VERIFY_USAGE}`);
  if (logKeys === undefined || logKeys.length === 0) throw new UsageError(`--log-key is required\n${VERIFY_USAGE}`);
  const witnesses = (values['witness'] as string[] | undefined) ?? [];
  const min = values['min-witnesses'] === undefined ? new Set(witnesses).size : intFlag(values, 'min-witnesses');
  return createTrust({
    signerKeys: keys.map((k) => readKey(k, '--key')),
    logKeys: logKeys.map((k) => readKey(k, '--log-key')),
    witnesses: { vkeys: witnesses, min },
  });
}

function readKey(path: string, flag: string): ReturnType<typeof readPublicKey> {
  try {
    return readPublicKey(path);
  } catch (err) {
    throw new UsageError(`${flag}: ${describeError(err)}`);
  }
}

function print(io: Io, output: 'text' | 'json', ref: ImageReference, digest: string, kind: string, reports: readonly SignatureReport[], verified: boolean): void {
  if (output === 'json') {
    io.out(`${JSON.stringify({ image: repositoryName(ref), digest, verified, [`${kind}s`]: reports })}\n`);
    return;
  }
  if (reports.length === 0) io.out(`no ${kind}s for ${repositoryName(ref)}@${digest}\n`);
  for (const r of reports) io.out(`${r.ok ? 'VERIFIED' : 'REFUSED'} ${r.format} ${r.where}: ${r.ok ? '' : `${r.reason}: `}${r.message}\n`);
  io.out(`${verified ? 'verified' : 'not verified'}: ${repositoryName(ref)}@${digest}\n`);
}
