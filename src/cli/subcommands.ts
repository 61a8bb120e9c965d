/**
 * `cairn witness` and `cairn monitor` as main.ts runs them: load the
 * command's settings from flags and environment, run, handle signals
 * (their --help: help.ts, answered by main.ts).
 * Each returns an exit status, or -1 to keep running (a server).
 */
import { stopOnSignals } from './signals.js';
import { loadMonitorConfig, loadWitnessConfig } from '../config/index.js';
import { jsonLogger } from './logger.js';
import { runMonitor } from './monitor.js';
import { runWitness } from './witness.js';

export async function witnessMain(argv: readonly string[]): Promise<number> {
  const config = loadWitnessConfig({ argv, env: process.env });
  const logger = jsonLogger(config.logLevel);
  const running = await runWitness(config, logger);
  stopOnSignals(running, logger);
  return -1;
}

export async function monitorMain(argv: readonly string[]): Promise<number> {
  const config = loadMonitorConfig({ argv, env: process.env });
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  process.once('SIGINT', () => stop.abort());
  return runMonitor(config, {
    event: (e) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`),
    problem: (text) => process.stderr.write(text),
    signal: stop.signal,
  });
}
