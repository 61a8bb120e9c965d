/**
 * Runs the real `cairn` CLI (dist/src/cli/main.js) as a child process and
 * collects its exit status, stdout and stderr. Asynchronous, so servers in
 * the test's own process (a token issuer) keep answering meanwhile.
 */
import { spawn } from 'node:child_process';
import { MAIN_JS } from './server-process.js';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `cairn ...args` with `env` added to the test's environment; killed after `timeoutMs`. */
export function runCairn(args: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 60_000): Promise<CliResult> {
  const child = spawn(process.execPath, [MAIN_JS, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A one-line summary of a run for assertion messages. */
export function describeRun(r: CliResult): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}
