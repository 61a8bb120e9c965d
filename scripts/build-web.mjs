// Assembles the web explorer in dist/www after `tsc -p tsconfig.web.json` has compiled web/ (and the
// browser-safe src/ files it imports) there: copies web/static/ (HTML, CSS), copies the two @noble
// packages' ESM files to dist/www/vendor/, and rewrites the bare `@noble/...` imports of the compiled
// files into relative paths, so the browser resolves every import without a bundler or an import map.
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const www = join(root, 'dist/www');
const vendor = join(www, 'vendor');

cpSync(join(root, 'web/static'), www, { recursive: true });
rmSync(vendor, { recursive: true, force: true });
mkdirSync(join(vendor, 'noble-hashes'), { recursive: true });
mkdirSync(join(vendor, 'noble-ed25519'), { recursive: true });
const hashes = join(root, 'node_modules/@noble/hashes');
for (const f of readdirSync(hashes)) if (f.endsWith('.js')) cpSync(join(hashes, f), join(vendor, 'noble-hashes', f));
for (const f of ['LICENSE']) cpSync(join(hashes, f), join(vendor, 'noble-hashes', f));
const ed = join(root, 'node_modules/@noble/ed25519');
cpSync(join(ed, 'index.js'), join(vendor, 'noble-ed25519/index.js'));
cpSync(join(ed, 'LICENSE'), join(vendor, 'noble-ed25519/LICENSE'));

const targets = {
  '@noble/ed25519': join(vendor, 'noble-ed25519/index.js'),
};
function resolveBare(spec) {
  if (targets[spec] !== undefined) return targets[spec];
  const m = /^@noble\/hashes\/([a-z0-9_-]+\.js)$/.exec(spec);
  return m === null ? undefined : join(vendor, 'noble-hashes', m[1]);
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}
const unresolved = [];
for (const file of walk(www)) {
  if (!file.endsWith('.js') || file.startsWith(vendor)) continue;
  const text = readFileSync(file, 'utf8');
  // Static import and export statements only (tsc writes each on lines of its own).
  const out = text.replace(/^((?:import|export)\b[^'"]*?(?:\bfrom\s*|import\s*))(['"])([^'"./][^'"]*)\2/gm, (all, kw, q, spec) => {
    const target = resolveBare(spec);
    if (target === undefined) {
      unresolved.push(`${relative(root, file)}: ${spec}`);
      return all;
    }
    let rel = relative(dirname(file), target);
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `${kw}${q}${rel}${q}`;
  });
  if (out !== text) writeFileSync(file, out);
}
if (unresolved.length > 0) {
  process.stderr.write(`build-web: imports a browser cannot resolve:\n  ${unresolved.join('\n  ')}\n`);
  process.exit(1);
}
