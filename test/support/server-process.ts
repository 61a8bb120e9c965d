/**
 * Starts the real `cairn serve` process (dist/src/cli/main.js) on a loopback
 * port picked by the OS, and waits for its "serving" log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
    let buf = '';
    const onData = (b: Buffer): void => {
      buf += b.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        try {
          const rec = JSON.parse(line) as { msg?: string; url?: string };
          if (rec.msg === 'serving' && rec.url !== undefined) {
            const url = rec.url;
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
        } catch {
          /* not JSON: keep it in logs */
        }
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', (b: Buffer) => logs.push(b.toString('utf8')));
    void exited.then((e) => reject(new Error(`cairn exited before serving (${JSON.stringify(e)}): ${logs.join('\n')}${buf}`)));
  });
}

export const DATA_FILE = (dir: string): string => join(dir, 'cairn.db');
