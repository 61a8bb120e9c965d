/**
 * `cairn sign IMAGE --key KEY --log-url URL`: resolves IMAGE to its manifest
 * digest (printed), signs it, logs each signature, and attaches it to the
 * image in cosign's legacy `.sig` scheme and/or as a Sigstore bundle
 * referrer (`--format legacy|bundle|both`, default both). `--recursive` also
 * signs every platform manifest of an index. Exit statuses: exit-codes.ts.
 */
import { parseArgs } from 'node:util';
import { describeError } from '../errors.js';
import { repositoryName, type Descriptor, type ImageReference } from '../oci/index.js';
import { EXIT, UsageError, exitStatusOf } from './exit-codes.js';
import { signBundle, signLegacy, type SignatureWritten } from './image-signer.js';
import { LOG_OPTIONS, REGISTRY_OPTIONS, imageArgument, keyValues, logClient, outputMode, processIo, required, type Io } from './image-options.js';
import { writeForTargets } from './image-targets.js';

export const SIGN_USAGE = `usage: cairn sign IMAGE --key KEY --log-url URL [--format legacy|bundle|both]
       [--recursive] [--bundle-out FILE] [--annotation k=v]...
       [--registry-ca FILE] [--insecure-registry] [--output text|json]
  IMAGE      host[:port]/repo[:tag|@sha256:<hex>]
  --key      private key: PEM file (passphrase from CAIRN_KEY_PASSWORD)
             or pkcs11: URI
  --log-url  the transparency log (Rekor v1 API), e.g. http://127.0.0.1:3000
             (token from CAIRN_LOG_TOKEN)`;

type Format = 'legacy' | 'bundle' | 'both';

/** Runs `cairn sign`; returns the exit status. */
export async function signMain(argv: readonly string[], io: Io = processIo): Promise<number> {
  let output: 'text' | 'json' = 'text';
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        ...REGISTRY_OPTIONS,
        ...LOG_OPTIONS,
        key: { type: 'string' },
        format: { type: 'string', default: 'both' },
        recursive: { type: 'boolean', default: false },
        'bundle-out': { type: 'string' },
        annotation: { type: 'string', multiple: true },
      },
    });
    if (values.help === true) {
      io.out(`${SIGN_USAGE}\n`);
      return EXIT.OK;
    }
    output = outputMode(values.output);
    const ref = imageArgument(positionals, SIGN_USAGE);
    const format = values.format as Format;
    if (!['legacy', 'bundle', 'both'].includes(format)) throw new UsageError(`--format must be legacy, bundle or both\n${SIGN_USAGE}`);
    const annotations = keyValues(values.annotation, 'annotation');
    const log = logClient(required(values, 'log-url', SIGN_USAGE), values, io);
    const keyRef = required(values, 'key', SIGN_USAGE);
    const run = { ref, log, keyRef, values, output, recursive: values.recursive === true, bundleOut: values['bundle-out'] };
    const { top, written } = await writeForTargets(run, io, async (ctx, target) => [
      ...(format !== 'bundle' ? [await signLegacy(ctx, target, annotations)] : []),
      ...(format !== 'legacy' ? [await signBundle(ctx, target, annotations)] : []),
    ]);
    report(io, output, ref, top, written);
    return EXIT.OK;
  } catch (err) {
    return fail(io, output, 'sign', err);
  }
}

function report(io: Io, output: 'text' | 'json', ref: ImageReference, top: Descriptor, written: readonly SignatureWritten[]): void {
  if (output === 'json') {
    const signatures = written.map(({ bundle: _bundle, ...w }) => w);
    io.out(`${JSON.stringify({ image: repositoryName(ref), digest: top.digest, mediaType: top.mediaType, signatures })}\n`);
    return;
  }
  for (const w of written) {
    const where = w.format === 'legacy' ? `${repositoryName(ref)}:${w.location}` : `referrer ${w.location}`;
    io.out(`signed ${w.digest} (${w.format}): ${where}, log entry ${w.logIndex}${w.logEntryCreated ? '' : ' (already logged)'}\n`);
  }
}

/** Prints the error (text on stderr; JSON on stdout too) and returns its exit status. */
export function fail(io: Io, output: 'text' | 'json', command: string, err: unknown): number {
  const status = exitStatusOf(err);
  const code = (err as { code?: unknown }).code;
  io.err(`cairn ${command}: ${describeError(err)}\n`);
  if (output === 'json') io.out(`${JSON.stringify({ error: typeof code === 'string' ? code : 'FAILED', message: describeError(err), exitStatus: status })}\n`);
  return status;
}
