/**
 * `cairn policy check --policy FILE MANIFEST...`: the verdicts `cairn admit`
 * would give, for Kubernetes manifests before they are applied (a CI step).
 * Every object of every file (multi-document YAML, Lists flattened;
 * src/kube/manifests.ts) that runs containers has each image evaluated
 * under the policy, with the object's namespace (else --namespace) for
 * exemptions. Exit 0 when every image would be admitted (warn-mode
 * verdicts printed as warnings), 1 when any would be refused, 2 on bad
 * usage, an unreadable or invalid policy file, or a manifest that is not
 * YAML (exit-codes.ts).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeError } from '../errors.js';
import { describeContainer, evaluateImages, parseManifests, workloadImages, type ImageOutcome, type ManifestObject } from '../kube/index.js';
import { createEvaluator, loadPolicyFile } from '../policy/index.js';
import { EXIT, UsageError } from './exit-codes.js';
import { outputMode, processIo, required, type Io } from './image-options.js';
import { fail } from './sign.js';

export const POLICY_CHECK_USAGE = `usage: cairn policy check --policy FILE [--namespace NS]
                          [--output text|json] MANIFEST...
  the verdicts cairn admit would give for the workloads in Kubernetes
  manifests (YAML, several documents per file, Lists too)
  --policy      the policy file (YAML or JSON), as cairn admit reads it
  --namespace   for objects without metadata.namespace (exemptions)
  --output      text (default) or json
exit status: 0 every image admitted (warnings printed), 1 an image would
be refused, 2 bad usage, policy file or manifest`;

/** How many images are evaluated at once. */
const CONCURRENCY = 8;

interface Checked {
  readonly object: ManifestObject;
  readonly outcomes: readonly ImageOutcome[];
}

/** `cairn policy <subcommand>`: only `check` for now. */
export async function policyMain(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'check') return policyCheckMain(rest, io);
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(`${POLICY_CHECK_USAGE}\n`);
    return sub === undefined ? EXIT.USAGE : EXIT.OK;
  }
  io.err(`cairn policy: unknown subcommand ${JSON.stringify(sub)}\n${POLICY_CHECK_USAGE}\n`);
  return EXIT.USAGE;
}

export async function policyCheckMain(argv: readonly string[], io: Io = processIo): Promise<number> {
  let output: 'text' | 'json' = 'text';
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        policy: { type: 'string' },
        namespace: { type: 'string' },
        output: { type: 'string', default: 'text' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help === true) {
      io.out(`${POLICY_CHECK_USAGE}\n`);
      return EXIT.OK;
    }
    output = outputMode(values.output);
    const policyFile = required(values, 'policy', POLICY_CHECK_USAGE);
    if (positionals.length === 0) throw new UsageError(`expected at least one MANIFEST file\n${POLICY_CHECK_USAGE}`);
    const objects = positionals.flatMap((file) => parseManifests(readManifest(file), file));
    const evaluator = createEvaluator(loadPolicyFile(policyFile));
    try {
      const never = new AbortController().signal;
      const checked: Checked[] = [];
      for (const object of objects) {
        const images = workloadImages(object.object, object.kind);
        if (images.length === 0) continue;
        const namespace = object.namespace ?? values.namespace;
        checked.push({ object, outcomes: await evaluateImages(evaluator, images, { ...(namespace === undefined ? {} : { namespace }), signal: never, concurrency: CONCURRENCY }) });
      }
      const refused = checked.some((c) => c.outcomes.some((o) => o.verdict.decision === 'deny'));
      if (output === 'json') io.out(`${JSON.stringify({ allowed: !refused, workloads: checked.map(toJson) })}\n`);
      else printText(io, checked, objects.length);
      return refused ? EXIT.FAILED : EXIT.OK;
    } finally {
      evaluator.close();
    }
  } catch (err) {
    return fail(io, output, 'policy check', err);
  }
}

function readManifest(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`couldn't read the manifest ${file}: ${describeError(err)}`);
  }
}

function printText(io: Io, checked: readonly Checked[], objects: number): void {
  const count = { allow: 0, warn: 0, deny: 0 };
  for (const { object, outcomes } of checked) {
    io.out(`${object.source}:${object.line} ${object.kind} ${object.name === '' ? '(unnamed)' : object.name}${object.namespace === undefined ? '' : ` (namespace ${object.namespace})`}\n`);
    for (const o of outcomes) {
      const v = o.verdict;
      count[v.decision]++;
      const pinned = v.digest === undefined ? '' : ` ${v.digest}`;
      const note = v.exempt === true ? ' (exempt namespace)' : '';
      io.out(`  ${v.decision.padEnd(5)} ${describeContainer(o.at)} ${o.at.image}${pinned}${note}\n`);
      if (o.error !== undefined) io.out(`        ${o.error}\n`);
      for (const r of v.reasons) io.out(`        ${r.code}: ${r.message}\n`);
    }
  }
  const images = count.allow + count.warn + count.deny;
  io.out(`${objects} objects, ${checked.length} with containers, ${images} images: ${count.allow} allowed, ${count.warn} warned, ${count.deny} refused\n`);
}

function toJson({ object, outcomes }: Checked): Record<string, unknown> {
  return {
    source: object.source,
    line: object.line,
    kind: object.kind,
    name: object.name,
    ...(object.namespace === undefined ? {} : { namespace: object.namespace }),
    images: outcomes.map((o) => ({
      image: o.at.image,
      path: o.at.path,
      container: o.at.container,
      decision: o.verdict.decision,
      ...(o.verdict.digest === undefined ? {} : { digest: o.verdict.digest }),
      ...(o.verdict.rule === undefined ? {} : { rule: o.verdict.rule }),
      ...(o.verdict.exempt === true ? { exempt: true } : {}),
      reasons: o.error === undefined ? o.verdict.reasons : [{ code: 'ERROR', message: o.error }],
    })),
  };
}
