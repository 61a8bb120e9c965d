/**
 * Prometheus's own checker, promtool (Debian: prometheus): `check metrics`
 * reads an exposition on stdin, `check rules` a rules file. Tests that need
 * it call requirePromtoolOrSkip (CAIRN_REQUIRE_PROMTOOL=1 makes a missing
 * promtool a failure).
 */
import { spawnSync } from 'node:child_process';
import { hasCommand, requirePartOrSkip } from './parts.js';

export function requirePromtoolOrSkip(ctx: Mocha.Context): void {
  requirePartOrSkip(ctx, 'PROMTOOL', hasCommand('promtool'));
}

export interface PromtoolResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs `promtool check <what> [...args]` with `stdin`. */
export function promtool(args: readonly string[], stdin?: string): PromtoolResult {
  const r = spawnSync('promtool', args, { input: stdin, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
