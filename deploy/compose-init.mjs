// First start of deploy/docker-compose.yml: creates the log's and the witnesses' keys by starting
// each once (cairn serve, cairn witness: the real commands, on loopback), reads the verifier keys
// and the log's origin from their "serving" log lines, and writes the JSON settings files
// (--config) each service reads: log.json (the witnesses to submit to), witness-a.json and
// witness-b.json (the log to cosign), monitor.json (the log, its vkey and the witnesses' vkeys).
// Does nothing when log.json exists. Runs in the cairn image; paths come from the environment.
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const env = process.env;
const MAIN = env.CAIRN_INIT_MAIN ?? '/app/dist/src/cli/main.js';
const CONFIG = env.CAIRN_INIT_CONFIG_DIR ?? '/config';
const LOG_DIR = env.CAIRN_INIT_LOG_DIR ?? '/init/log';
const LOG_URL = env.CAIRN_INIT_LOG_URL ?? 'http://log:3000';
const WITNESSES = [
  { name: 'witness-a', dir: env.CAIRN_INIT_WITNESS_A_DIR ?? '/init/witness-a', url: env.CAIRN_INIT_WITNESS_A_URL ?? 'http://witness-a:3100' },
  { name: 'witness-b', dir: env.CAIRN_INIT_WITNESS_B_DIR ?? '/init/witness-b', url: env.CAIRN_INIT_WITNESS_B_URL ?? 'http://witness-b:3100' },
];
/** `uid:gid` to give the files to (the image's user) when run as root; unset: leave them. */
const CHOWN = env.CAIRN_INIT_CHOWN;

/** Starts `cairn <args>`, resolves with its "serving" log record, then stops it (SIGTERM) and waits. */
function servingRecord(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let buf = '';
    let record;
    child.stderr.on('data', (b) => {
      buf += b.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0 && record === undefined; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const rec = JSON.parse(line);
          if (rec.msg === 'serving') {
            record = rec;
            child.kill('SIGTERM');
          }
        } catch {
          // not a JSON line
        }
      }
    });
    child.once('exit', (code) => (record === undefined ? reject(new Error(`cairn ${args[0]} exited (${code}) before serving: ${buf}`)) : resolve(record)));
  });
}

function chownTree(path, uid, gid) {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

async function main() {
  if (existsSync(join(CONFIG, 'log.json'))) {
    process.stdout.write(`${join(CONFIG, 'log.json')} exists: already set up\n`);
    return;
  }
  mkdirSync(CONFIG, { recursive: true });
  const log = await servingRecord(['serve', '--data-dir', LOG_DIR, '--public-url', LOG_URL, '--host', '127.0.0.1', '--port', '0', '--audit-rate', '0']);
  const witnesses = [];
  for (const w of WITNESSES) {
    const rec = await servingRecord(['witness', '--data-dir', w.dir, '--name', w.name, '--host', '127.0.0.1', '--port', '0', '--log', `${log.origin}=${log.vkey}`]);
    witnesses.push({ ...w, vkey: rec.vkey });
  }
  const write = (name, settings) => writeFileSync(join(CONFIG, name), `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o644 });
  for (const w of witnesses) write(`${w.name}.json`, { name: w.name, logs: [{ origin: log.origin, vkey: log.vkey }] });
  write('monitor.json', { logUrl: LOG_URL, vkey: log.vkey, witnesses: witnesses.map((w) => w.vkey), minWitnesses: 1, mode: 'follow' });
  // Last: its presence means the set-up is complete.
  write('log.json', { publicUrl: LOG_URL, witnesses: witnesses.map((w) => ({ url: w.url, vkey: w.vkey })) });
  if (CHOWN !== undefined) {
    const [uid, gid] = CHOWN.split(':').map(Number);
    for (const dir of [CONFIG, LOG_DIR, ...WITNESSES.map((w) => w.dir)]) chownTree(dir, uid, gid);
  }
  process.stdout.write(`set up: log ${log.origin} (${log.vkey}); witnesses ${witnesses.map((w) => `${w.name} (${w.vkey})`).join(', ')}\n`);
}

main().catch((err) => {
  process.stderr.write(`compose-init: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
