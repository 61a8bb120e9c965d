/**
 * `cairn attest IMAGE --predicate FILE --type URI --key KEY --log-url URL`:
 * an in-toto statement whose subject is the image digest and whose predicate
 * is FILE's JSON, in a DSSE envelope signed by the key, logged as a `dsse`
 * entry, attached as cosign does: a layer appended at `sha256-<hex>.att`
 * and a Sigstore bundle referrer (`--format legacy|bundle|both`, default both).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeError } from '../errors.js';
import { repositoryName } from '../oci/index.js';
import { EXIT, UsageError } from './exit-codes.js';
import { attachBundleFor, attachLegacyAttestation, logEnvelope, signedStatement } from './image-signer.js';
import { LOG_OPTIONS, REGISTRY_OPTIONS, imageArgument, logClient, outputMode, processIo, required, type Io } from './image-options.js';
import { writeForTargets } from './image-targets.js';
import { fail } from './sign.js';

export const ATTEST_USAGE = `usage: cairn attest IMAGE --predicate FILE --type URI --key KEY --log-url URL
       [--format legacy|bundle|both] [--recursive] [--bundle-out FILE]
       [--registry-ca FILE] [--insecure-registry] [--output text|json]
  --predicate  JSON file: the statement's predicate (an object)
  --type       the predicate type URI, e.g. https://slsa.dev/provenance/v1`;

/** Runs `cairn attest`; returns the exit status. */
export async function attestMain(argv: readonly string[], io: Io = processIo): Promise<number> {
  let output: 'text' | 'json' = 'text';
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        ...REGISTRY_OPTIONS,
        ...LOG_OPTIONS,
        key: { type: 'string' },
        predicate: { type: 'string' },
        type: { type: 'string' },
        format: { type: 'string', default: 'both' },
        recursive: { type: 'boolean', default: false },
        'bundle-out': { type: 'string' },
      },
    });
    if (values.help === true) {
      io.out(`${ATTEST_USAGE}\n`);
      return EXIT.OK;
    }
    output = outputMode(values.output);
    const ref = imageArgument(positionals, ATTEST_USAGE);
    const format = values.format;
    if (format !== 'legacy' && format !== 'bundle' && format !== 'both') throw new UsageError(`--format must be legacy, bundle or both\n${ATTEST_USAGE}`);
    const predicateType = required(values, 'type', ATTEST_USAGE);
    const predicate = readPredicate(required(values, 'predicate', ATTEST_USAGE));
    const log = logClient(required(values, 'log-url', ATTEST_USAGE), values, io);
    const keyRef = required(values, 'key', ATTEST_USAGE);
    const run = { ref, log, keyRef, values, output, recursive: values.recursive === true, bundleOut: values['bundle-out'] };
    const { top, written } = await writeForTargets(run, io, async (ctx, target) => {
      const envelope = await signedStatement(ctx, target, predicateType, predicate);
      const logged = await logEnvelope(ctx, envelope, `the attestation about ${target.digest}`);
      return [
        ...(format !== 'bundle' ? [await attachLegacyAttestation(ctx, target, envelope, predicateType, logged)] : []),
        ...(format !== 'legacy' ? [await attachBundleFor(ctx, target, envelope, predicateType, logged)] : []),
      ];
    });
    if (output === 'json') {
      const attestations = written.map(({ bundle: _b, ...w }) => w);
      io.out(`${JSON.stringify({ image: repositoryName(ref), digest: top.digest, mediaType: top.mediaType, predicateType, attestations })}\n`);
    } else {
      for (const w of written) io.out(`attested ${w.digest} (${w.format}): ${w.format === 'legacy' ? `${repositoryName(ref)}:${w.location}` : `referrer ${w.location}`}, log entry ${w.logIndex}\n`);
    }
    return EXIT.OK;
  } catch (err) {
    return fail(io, output, 'attest', err);
  }
}

/** The predicate: FILE's JSON, which must be an object. */
function readPredicate(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`couldn't read --predicate ${file}: ${describeError(err)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--predicate ${file} is not JSON: ${describeError(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`--predicate ${file} must hold a JSON object`);
  return value;
}
