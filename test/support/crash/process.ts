/**
 * `cairn serve` as a child process the crash harness can SIGKILL at any
 * moment, including before it serves (unlike server-process.ts, which only
 * hands the process back once it is serving).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { eachLine, logRecord } from '../lines.js';
import { MAIN_JS } from '../server-process.js';

export interface Child {
  readonly child: ChildProcess;
  /** Resolves with the URL once the "serving" line is logged; rejects if the process exits first. */
  readonly serving: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stderr/stdout lines so far (for failure messages). */
  readonly logs: string[];
  /** SIGKILL (if still running) and wait for the exit. */
  kill(): Promise<void>;
}

export function spawnServe(args: readonly string[]): Child {
  const child = spawn(process.execPath, [MAIN_JS, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const serving = new Promise<string>((resolve, reject) => {
    const stderr = eachLine(child.stderr, (line) => {
      if (logs.length < 200) logs.push(line);
      const rec = logRecord(line);
      if (rec?.['msg'] === 'serving' && typeof rec['url'] === 'string') resolve(rec['url']);
    });
    child.stdout!.on('data', (b: Buffer) => {
      if (logs.length < 200) logs.push(b.toString('utf8'));
    });
    void exited.then((e) => reject(new Error(`cairn serve exited before serving (${JSON.stringify(e)}): ${logs.join('\n')}${stderr.rest()}`)));
  });
  serving.catch(() => undefined); // a kill during start-up is expected; callers that await it still see the rejection
  return {
    child,
    serving,
    exited,
    logs,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
