/**
 * Starts the real `cairn serve` process (dist/src/cli/main.js) on a loopback
 * port picked by the OS, and waits for its "serving" log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eachLine, logRecord } from './lines.js';

/** dist/test/support → repo root's dist/src/cli/main.js */
export const MAIN_JS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly logs: string[];
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The vkey a started server (`cairn witness`'s cosigning key, `cairn serve`'s note key) names in its "serving" line. */
export function servingVkey(p: ServerProcess): string {
  const line = p.logs.find((l) => l.includes('"msg":"serving"'));
  if (line === undefined) throw new Error('no "serving" line');
  return (JSON.parse(line) as { vkey: string }).vkey;
}

export function startServer(args: readonly string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  return startCommand('serve', args, env);
}

/**
 * Starts `cairn <command> --port 0 --host 127.0.0.1 ...args` (a server
 * command: `serve` or `witness`) and waits for its "serving" log line.
 */
export function startCommand(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN_JS, command, '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  return new Promise((resolveStart, reject) => {
    const stderr = eachLine(child.stderr, (line) => {
      logs.push(line); // JSON or not, kept in logs
      const rec = logRecord(line);
      if (rec?.['msg'] === 'serving' && typeof rec['url'] === 'string') {
        const url = rec['url'];
        resolveStart({
          child,
          url,
          logs,
          exited,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    child.stdout?.on('data', (b: Buffer) => logs.push(b.toString('utf8')));
    void exited.then((e) => reject(new Error(`cairn exited before serving (${JSON.stringify(e)}): ${logs.join('\n')}${stderr.rest()}`)));
  });
}

export const DATA_FILE = (dir: string): string => join(dir, 'cairn.db');
