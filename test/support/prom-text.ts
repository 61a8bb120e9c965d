/**
 * A parser of the Prometheus text exposition format 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats), written from the
 * format's description to read what /metrics serves in tests: `# HELP` and
 * `# TYPE` lines, then samples `name{label="value",…} value [timestamp]`.
 * It throws on anything the format does not allow (a malformed line, a bad
 * escape, a sample before its family's TYPE, a family declared twice), so a
 * test reading metrics also checks their syntax.
 */

export interface PromSample {
  /** The series name (a histogram's `_bucket`, `_sum`, `_count` included). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PromFamily {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string;
  readonly samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, readonly string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count', ''] };

/** Families by name, in the order of their first line. */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const help = new Map<string, string>();
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  text.split('\n').forEach((line, i) => {
    const where = `line ${i + 1} (${JSON.stringify(line)})`;
    if (line === '' || (line.startsWith('#') && !/^# (HELP|TYPE) /.test(line))) return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      if (kind === 'HELP') {
        help.set(name, rest.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)));
        const f = families.get(name);
        if (f !== undefined) families.set(name, { ...f, help: help.get(name)! });
        return;
      }
      if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
      if (families.has(name)) throw new Error(`${where}: family ${name} declared twice`);
      families.set(name, { name, type: rest as PromFamily['type'], help: help.get(name) ?? '', samples: [] });
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (family === undefined) throw new Error(`${where}: sample of no declared family`);
    family.samples.push(sample);
  });
  return families;
}

function familyOf(families: Map<string, PromFamily>, series: string): PromFamily | undefined {
  const exact = families.get(series);
  if (exact !== undefined && (exact.type !== 'histogram')) return exact;
  for (const [type, suffixes] of Object.entries(SUFFIXES)) {
    for (const s of suffixes) {
      if (s === '' || !series.endsWith(s)) continue;
      const f = families.get(series.slice(0, -s.length));
      if (f?.type === type) return f;
    }
  }
  return undefined;
}

function parseSample(line: string, where: string): PromSample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?[0-9]+)?$/.exec(line);
  if (m === null) throw new Error(`${where}: not a sample line`);
  const labels = m[2] === undefined ? {} : parseLabels(m[2].slice(1, -1), where);
  return { name: m[1]!, labels, value: parseValue(m[3]!, where) };
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const eq = rest.indexOf('=');
    const name = rest.slice(0, eq);
    if (eq < 0 || !LABEL.test(name) || rest[eq + 1] !== '"') throw new Error(`${where}: bad label`);
    let value = '';
    let j = eq + 2;
    for (; j < rest.length && rest[j] !== '"'; j++) {
      if (rest[j] !== '\\') {
        value += rest[j];
        continue;
      }
      const c = rest[++j];
      if (c === 'n') value += '\n';
      else if (c === '\\' || c === '"') value += c;
      else throw new Error(`${where}: bad escape in label ${name}`);
    }
    if (j >= rest.length) throw new Error(`${where}: unterminated label value`);
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    labels[name] = value;
    rest = rest.slice(j + 1);
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (rest !== '') throw new Error(`${where}: expected , between labels`);
  }
  return labels;
}

function parseValue(v: string, where: string): number {
  // The format writes +Inf, -Inf and NaN; Prometheus reads them as Go's ParseFloat does, in any case.
  if (/^\+?inf(inity)?$/i.test(v)) return Infinity;
  if (/^-inf(inity)?$/i.test(v)) return -Infinity;
  if (/^nan$/i.test(v)) return NaN;
  if (!/^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(v)) throw new Error(`${where}: bad value ${v}`);
  return Number(v);
}

/** The value of the one sample of `name` whose labels include `labels`; throws when there is not exactly one. */
export function sampleValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number {
  const all = [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (all.length !== 1) throw new Error(`${all.length} samples of ${name} ${JSON.stringify(labels)}`);
  return all[0]!.value;
}
