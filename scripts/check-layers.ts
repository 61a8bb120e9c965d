/**
 * Fails (exit 1) on any import edge the layering forbids (docs/ARCHITECTURE.md "Layers").
 * Runs in `npm test`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');
const src = join(root, 'src');

/** For each layer (top folder of src/ or a root file), the internal layers it may import. */
const ALLOWED: Record<string, readonly string[]> = {
  'errors.ts': [],
  'clock.ts': [],
  merkle: ['errors.ts'],
  note: ['errors.ts', 'merkle'],
  entry: ['errors.ts'],
  config: ['errors.ts'],
  storage: ['errors.ts', 'clock.ts', 'merkle', 'entry'],
  log: ['errors.ts', 'clock.ts', 'merkle', 'note', 'entry', 'storage'],
  witness: ['errors.ts', 'clock.ts', 'merkle', 'note', 'storage'],
  // Reads and verifies checkpoints through the client library; recomputes the tree from tiles itself.
  monitor: ['errors.ts', 'clock.ts', 'merkle', 'note', 'entry', 'client'],
  // Copying a log between storage engines and proving the copy (cairn migrate).
  migrate: ['errors.ts', 'merkle', 'note', 'storage'],
  // The API contract (openapi.yaml compiled) and the one JSON body rule set.
  api: ['errors.ts'],
  // Submissions in, prepared entries out: the interface HTTP sees, and its inline implementation.
  admission: ['errors.ts', 'entry', 'api'],
  // Threads for admission and log-key signing, created by the composition root; keys: a thread's own
  // session on a log key held in a PKCS#11 token.
  workers: ['errors.ts', 'entry', 'api', 'admission', 'log', 'keys'],
  http: ['errors.ts', 'clock.ts', 'merkle', 'note', 'entry', 'log', 'config', 'witness', 'api', 'admission'],
  // The signing system around the log: pure formats and verification steps, the registry client,
  // key sources.
  signing: ['errors.ts', 'merkle', 'note', 'entry'],
  oci: ['errors.ts', 'clock.ts'],
  keys: ['errors.ts', 'entry'],
  // Browser-safe fetch-and-verify of the log's API (global fetch only, no node: I/O builtins).
  client: ['errors.ts', 'merkle', 'note', 'entry', 'signing'],
  // The image verifier: the signatures attached to an image digest, read from the registry and checked with the
  // signing layer's steps (online through the log client). One library for `cairn verify` and the policy.
  verifier: ['errors.ts', 'oci', 'signing', 'client'],
  // Deploy-time policy: which images may run, verified through the registry, the image verifier and the log client.
  policy: ['errors.ts', 'clock.ts', 'merkle', 'note', 'entry', 'signing', 'oci', 'keys', 'client', 'verifier'],
  // Kubernetes: workload objects and manifests, AdmissionReview, JSONPatch, the webhook server. The
  // webhook is served by http's dispatcher, error table and metrics writer, not a second copy of them.
  kube: ['errors.ts', 'clock.ts', 'policy', 'http'],
  // Several nodes on one database: the sequencer lease loop, the node's role, forwarding admitted entries to the
  // sequencing node over the internal route http serves (its wire format is http's).
  cluster: ['errors.ts', 'clock.ts', 'entry', 'storage', 'log', 'http'],
  cli: ['*'],
};
/** Layers that also run in a browser (the explorer): no node: builtins at all, I/O through global fetch only. */
const BROWSER_SAFE = new Set(['client']);
const PURE = new Set(['merkle', 'note', 'entry', 'signing', 'errors.ts', 'clock.ts']);
/** Packages/builtins a layer may not import. */
const FORBIDDEN_PKGS: Array<{ pkg: RegExp; except: readonly string[] }> = [
  { pkg: /^better-sqlite3$/, except: ['storage'] },
  { pkg: /^pg$/, except: ['storage'] },
  // The API is served on node:http (src/http/dispatch.ts); express is only the benchmarks' baseline.
  { pkg: /^express$/, except: [] },
  { pkg: /^(pkcs11js|graphene-pk11)$/, except: ['keys'] },
  // Logging is the composition root's: http reports each answered request through served.ts.
  { pkg: /^pino(\/.*)?$/, except: ['cli'] },
  // Metrics are http's: the registry, the exposition, the request and submission families (src/http/metrics.ts).
  { pkg: /^prom-client$/, except: ['http'] },
];
const IO_BUILTINS = /^node:(fs|fs\/promises|net|http|https|child_process|worker_threads|dgram|os|process)$/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function layerOf(path: string): string {
  const rel = relative(src, path).split('/');
  // Root files are named by their source name: '../errors.js' is the layer 'errors.ts'.
  return rel.length === 1 ? (rel[0] ?? '').replace(/\.js$/, '.ts') : (rel[0] ?? '');
}

const problems: string[] = [];
for (const file of files(src)) {
  const layer = layerOf(file);
  const text = readFileSync(file, 'utf8');
  const allowed = ALLOWED[layer];
  if (allowed === undefined) {
    problems.push(`${relative(root, file)}: layer ${layer} is not in the layer table of scripts/check-layers.ts`);
    continue;
  }
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) {
    const typeOnly = m[2] !== undefined;
    const spec = m[3] ?? '';
    const where = `${relative(root, file)} imports ${spec}`;
    if (spec.startsWith('.')) {
      const target = layerOf(resolve(dirname(file), spec));
      if (target === layer) continue;
      if (!allowed.includes('*') && !allowed.includes(target)) problems.push(`${where}: ${layer} may not import ${target}`);
      if (layer === 'log' && target === 'storage' && !typeOnly) problems.push(`${where}: log may import storage types only`);
      if (layer !== 'cli' && target !== 'errors.ts' && target !== 'clock.ts' && !spec.endsWith('/index.js') && !/\/[a-z0-9-]+\.js$/.test(spec)) {
        problems.push(`${where}: malformed import path`);
      }
      const barrel = spec.endsWith('/index.js') || (BROWSER_SAFE.has(layer) && spec.endsWith('/portable.js'));
      if (layer !== 'cli' && ![ 'errors.ts', 'clock.ts' ].includes(target) && target !== layer && !barrel && !(layer === 'log' && target === 'storage' && spec.endsWith('/types.js'))) {
        problems.push(`${where}: import another folder only through its index.ts (or, from a browser-safe layer, its portable.ts)`);
      }
    } else {
      for (const f of FORBIDDEN_PKGS) if (f.pkg.test(spec) && !f.except.includes(layer)) problems.push(`${where}: ${f.except.length === 0 ? 'no layer' : `only ${f.except.join(', ')}`} may import ${spec}`);
      if (PURE.has(layer) && IO_BUILTINS.test(spec)) problems.push(`${where}: pure module ${layer} may not do I/O`);
      if (BROWSER_SAFE.has(layer) && /^node:/.test(spec)) problems.push(`${where}: ${layer} runs in browsers too and may not import node builtins`);
    }
  }
  if (PURE.has(layer) && layer !== 'clock.ts') {
    if (/\bDate\.now\(|\bnew Date\(\)|\bprocess\.env\b|\bMath\.random\(/.test(text)) {
      problems.push(`${relative(root, file)}: pure module ${layer} reads the clock, randomness or the environment`);
    }
  }
}

/**
 * Browser safety is transitive: every file a browser-safe layer reaches through relative imports
 * (its own and the portable barrels of the pure core) may import no node: builtin, no package but
 * @noble's, and may not use Node's Buffer global.
 */
function browserClosure(): Map<string, string> {
  const seen = new Map<string, string>();
  const queue = files(src).filter((f) => BROWSER_SAFE.has(layerOf(f)));
  for (const f of queue) seen.set(f, relative(root, f));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s+(?:type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? '';
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      if (!seen.has(target)) {
        seen.set(target, `${seen.get(file)} → ${relative(root, target)}`);
        queue.push(target);
      }
    }
  }
  return seen;
}
for (const [file, chain] of browserClosure()) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^\s*import\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
    const spec = m[2] ?? '';
    if (m[1] !== undefined || spec.startsWith('.')) continue;
    if (!/^@noble\//.test(spec)) problems.push(`${chain}: runs in browsers, may not import ${spec}`);
  }
  if (/\bBuffer\./.test(text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))) problems.push(`${chain}: runs in browsers, may not use Buffer`);
}

if (problems.length > 0) {
  process.stderr.write(`layer check failed:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`layer check: ok\n`);
