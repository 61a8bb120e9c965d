/**
 * `cairn serve`'s witness collection: parses the configured witnesses'
 * verifier keys and starts a WitnessCollector whose events go to the log.
 */
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import { LogError, describeError } from '../errors.js';
import { WitnessCollector, type LogService, type WitnessEndpoint, type WitnessTransport } from '../log/index.js';
import { parseVkey } from '../note/index.js';
import type { Logger } from './logger.js';

/** Parses each `{url, vkey}`; throws CONFIG_INVALID naming the bad one. Names must be distinct. */
export function witnessEndpoints(witnesses: Config['witnesses']): WitnessEndpoint[] {
  const endpoints = witnesses.map((w) => {
    try {
      return { url: w.url, verifier: parseVkey(w.vkey) };
    } catch (err) {
      throw new LogError('CONFIG_INVALID', `--witness ${w.url}: bad verifier key: ${describeError(err)}`);
    }
  });
  const names = new Set<string>();
  for (const e of endpoints) {
    if (names.has(e.verifier.name)) throw new LogError('CONFIG_INVALID', `--witness: two witnesses use the key name ${e.verifier.name}`);
    names.add(e.verifier.name);
  }
  return endpoints;
}

/** Starts collecting cosignatures from the configured witnesses; undefined when there are none. */
export function startWitnessing(
  config: Config,
  log: LogService,
  logger: Logger,
  opts: { clock?: Clock; transport?: WitnessTransport } = {},
): WitnessCollector | undefined {
  const endpoints = witnessEndpoints(config.witnesses);
  if (endpoints.length === 0) return undefined;
  const collector = new WitnessCollector(log, endpoints, {
    clock: opts.clock ?? systemClock(),
    ...(opts.transport === undefined ? {} : { transport: opts.transport }),
    requestTimeoutMs: config.witnessTimeoutMs,
    minIntervalMs: config.witnessIntervalMs,
    backoffInitialMs: config.witnessBackoffMs,
    backoffMaxMs: Math.max(config.witnessBackoffMs, config.witnessBackoffMaxMs),
    onEvent: (e) => {
      if (e.type === 'request') logger.debug('asking a witness to cosign', { witness: e.witness, oldSize: e.oldSize, treeSize: e.size });
      else if (e.type === 'cosigned') logger.info('checkpoint cosigned', { witness: e.witness, treeSize: e.size, ms: e.ms });
      else if (e.type === 'conflict') logger.info('witness reported its size', { witness: e.witness, witnessSize: e.witnessSize });
      else if (e.type === 'rotated') logger.info('the log rotated: submitting the new tree to the witness from size 0', { witness: e.witness, treeID: e.treeId });
      else {
        const fields = { witness: e.witness, treeSize: e.size, code: e.code, error: e.error, failures: e.failures, retryInMs: e.retryInMs };
        if (e.code === 'INCONSISTENT' || e.code === 'PROOF_REJECTED') logger.error('witness refuses this log\'s checkpoint', fields);
        else logger.warn('witness unreachable or failing; retrying with backoff', fields);
      }
    },
  });
  logger.info('collecting cosignatures', { witnesses: endpoints.map((e) => ({ name: e.verifier.name, url: e.url })) });
  return collector;
}
