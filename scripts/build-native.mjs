// `npm ci` install step: builds the native prehashed-ECDSA verifier (binding.gyp, native/) into
// build/Release/ecdsa_prehash.node with node-gyp, then checks that it loads.
// A failed build prints one warning line (full log: build/native-build.log) and exits 0, so Cairn
// still installs and verifies ECDSA on its JS path; with CAIRN_REQUIRE_NATIVE=1 (CI) it exits 1.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'build/Release/ecdsa_prehash.node');
const logFile = join(root, 'build/native-build.log');
const required = process.env.CAIRN_REQUIRE_NATIVE === '1';

/** node-gyp's entry script: npm's (lifecycle scripts get npm_config_node_gyp), else the npm next to this node. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  return candidates.find((p) => p !== undefined && p !== '' && existsSync(p));
}

/** Build against the headers installed with this node (offline) unless npm already names a nodedir. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include/node/node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function build() {
  const gyp = nodeGyp();
  if (gyp === undefined) return 'node-gyp not found (run through npm, e.g. npm ci or npm rebuild)';
  const started = Date.now();
  const run = spawnSync(process.execPath, [gyp, 'rebuild', '--release', ...nodedirArgs()], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
  });
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}\n`);
  if (run.error) return `node-gyp did not run: ${run.error.message}`;
  if (run.status !== 0) {
    const lines = `${run.stderr}`.split('\n').filter((l) => /error|not found|fatal/i.test(l) && !/^gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v|not ok)/.test(l));
    return `node-gyp exited ${run.status}${lines.length > 0 ? `: ${lines[0].trim()}` : ''}`;
  }
  try {
    createRequire(import.meta.url)(addon); // undefined OpenSSL or N-API symbols fail here, not at first use
  } catch (err) {
    return `built but cannot be loaded: ${String(err.message).split('\n')[0]}`;
  }
  process.stdout.write(`cairn: built native ECDSA verifier in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return undefined;
}

const failure = build();
if (failure !== undefined) {
  if (required) {
    process.stderr.write(`cairn: error: couldn't build the native ECDSA verifier and CAIRN_REQUIRE_NATIVE=1: ${failure} (log: ${logFile})\n`);
    process.exit(1);
  }
  process.stderr.write(`cairn: warning: native ECDSA verifier not built (${failure}); using the slower JS path (log: ${logFile})\n`);
}
