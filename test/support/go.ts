/**
 * Go interop harness: builds `test/interop/go/tlogcheck` (a verifier on Go's
 * golang.org/x/mod sumdb/note and sumdb/tlog) once per test process and runs
 * it. Build: GOPATH mode against Debian's golang-golang-x-mod-dev
 * (GO111MODULE=off, GOPATH=/usr/share/gocode), no network, GOCACHE in the
 * build's temp dir; under a second.
 *
 * Policy when Go is missing: `requireGoOrSkip(this)` skips the suite with a
 * loud message, or fails it when CAIRN_REQUIRE_GO=1 (CI sets it).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Result of one tlogcheck run. */
export interface GoToolResult {
  /** Exit code: 0 verified, 1 verification failed, 2 usage error. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Where Debian's golang-golang-x-mod-dev keeps golang.org/x/mod. */
const DEBIAN_GOPATH = '/usr/share/gocode';
const BUILD_TIMEOUT_MS = 120_000;

let built: Promise<string | undefined> | undefined;

/**
 * Path of the built tlogcheck binary, or undefined when `go` is not on PATH
 * or golang.org/x/mod is not in the GOPATH (Debian's, or env CAIRN_GOPATH).
 * Builds once per process into a temp dir (removed at exit); later calls reuse
 * it. Rejects when Go is present but the build fails (that is a bug, not a
 * missing tool).
 */
export function goToolPath(): Promise<string | undefined> {
  built ??= build();
  return built;
}

/**
 * Runs tlogcheck with `args`, writing `stdin` (if any) to its standard input.
 * Rejects when Go is not installed (call requireGoOrSkip first).
 */
export async function runGoTool(args: readonly string[], stdin?: string | Uint8Array): Promise<GoToolResult> {
  const bin = await goToolPath();
  if (bin === undefined) throw new Error('tlogcheck: Go is not installed');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolvePromise({
        code: code ?? (signal === null ? -1 : 128),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {}); // the tool may exit before reading stdin
    child.stdin.end(stdin === undefined ? undefined : Buffer.from(stdin));
  });
}

/**
 * For a mocha `before` hook: `before(async function () { await requireGoOrSkip(this); })`.
 * Builds the tool; when Go is missing, skips the suite with a loud warning, or
 * throws when env CAIRN_REQUIRE_GO=1.
 */
export async function requireGoOrSkip(ctx: Mocha.Context): Promise<void> {
  ctx.timeout(BUILD_TIMEOUT_MS + 10_000);
  if ((await goToolPath()) !== undefined) return;
  const missing = 'Go or golang.org/x/mod is not installed (apt-get install golang-go golang-golang-x-mod-dev)';
  if (process.env['CAIRN_REQUIRE_GO'] === '1') throw new Error(`${missing}, and CAIRN_REQUIRE_GO=1 requires the Go x/mod interop checks`);
  console.warn(`\n!!!!!!!! ${missing}: Go x/mod interop checks SKIPPED !!!!!!!!\n`);
  ctx.skip();
}

async function build(): Promise<string | undefined> {
  const gopath = process.env['CAIRN_GOPATH'] ?? DEBIAN_GOPATH;
  if (!(await hasGo()) || !existsSync(join(gopath, 'src', 'golang.org', 'x', 'mod', 'sumdb', 'note'))) return undefined;
  const src = findSource();
  const dir = await mkdtemp(join(tmpdir(), 'cairn-tlogcheck-'));
  process.once('exit', () => {
    // Best effort; synchronous because 'exit' handlers cannot await.
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* leave it to the OS's temp cleanup */
    }
  });
  const bin = join(dir, 'tlogcheck');
  const env = {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: gopath,
    GOCACHE: join(dir, 'gocache'),
    GOFLAGS: '',
    GOENV: 'off',
    GOTOOLCHAIN: 'local',
  };
  await new Promise<void>((ok, fail) => {
    execFile('go', ['build', '-o', bin, '.'], { cwd: src, env, timeout: BUILD_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (err) fail(new Error(`couldn't build tlogcheck in ${src}: ${stderr || err.message}`));
      else ok();
    });
  });
  await rm(join(dir, 'gocache'), { recursive: true, force: true });
  return bin;
}

function hasGo(): Promise<boolean> {
  return new Promise((ok) => {
    execFile('go', ['version'], { timeout: 30_000 }, (err) => ok(err === null));
  });
}

/** test/interop/go/tlogcheck in the source tree; this file runs from dist/test/support/. */
function findSource(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'test', 'interop', 'go', 'tlogcheck');
    if (existsSync(join(candidate, 'main.go'))) return candidate;
    dir = resolve(dir, '..');
  }
  throw new Error("couldn't find test/interop/go/tlogcheck/main.go above the compiled test");
}
