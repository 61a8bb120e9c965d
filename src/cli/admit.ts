/**
 * `cairn admit --policy FILE --tls-cert FILE --tls-key FILE`: the Kubernetes
 * admission webhook (src/kube). Loads the policy and the TLS files, serves
 * /validate, /mutate, /healthz and /metrics over HTTPS, and watches the
 * three files (src/kube/file-watch.ts): a changed policy is parsed and put
 * in force for the next request (a policy that does not load is logged and
 * the old one kept); a changed certificate or key serves new connections
 * (an unusable pair is logged and the old one kept). A replaced evaluator is
 * closed once every request that may still use it has had its timeout.
 * SIGTERM drains like `cairn serve` (closeHttpServer).
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { describeError, LogError } from '../errors.js';
import { WebhookMetrics, createWebhookApp, createWebhookServer, describeOutcome, replaceTls, watchFiles, type WatchedFiles } from '../kube/index.js';
import { createEvaluator, loadPolicyFile, parsePolicy, type Evaluator, type Policy } from '../policy/index.js';
import { UsageError } from './exit-codes.js';
import { closeHttpServer, trackResponses } from './http-server.js';
import { intFlag, required } from './image-options.js';
import { jsonLogger, type Level, type Logger } from './logger.js';
import { stopOnSignals } from './signals.js';

export const ADMIT_USAGE = `usage: cairn admit --policy FILE --tls-cert FILE --tls-key FILE [flags]
  the Kubernetes admission webhook: POST /validate, POST /mutate (HTTPS)
  --policy FILE          the policy file (YAML or JSON); reloaded on change
  --tls-cert FILE        PEM certificate (chain) served; reloaded on change
  --tls-key FILE         PEM private key of the certificate
  --host ADDR            interface to bind (default 127.0.0.1; 0.0.0.0 in a pod)
  --port N               TCP port (default 8443; 0 picks a free one)
  --timeout-ms MS        the webhook's timeoutSeconds, ms (default 8000); each
                         answer comes before it: checks stop 1 s earlier
  --cache-ttl-ms MS      how long a verified image digest is trusted without
                         verifying again (default 300000; 0: never cached)
  --tag-ttl-ms MS        how long a tag's digest is reused before the registry
                         is asked again (default 0: every request resolves)
  --fail-open            allow (with a warning) images that could not be
                         checked: registry or log unreachable, deadline
  --reload-interval-ms MS  how often the files are checked (default 2000)
  --shutdown-grace-ms MS how long SIGTERM waits for requests (default 10000)
  --log-level LEVEL      debug, info (default), warn, error
environment: CAIRN_REGISTRY_USERNAME/CAIRN_REGISTRY_PASSWORD (else the
docker config), CAIRN_LOG_TOKEN (a log that needs a bearer token)`;

export interface AdmitOptions {
  readonly policyFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly cacheTtlMs: number;
  readonly tagTtlMs: number;
  readonly failOpen: boolean;
  readonly reloadIntervalMs: number;
  readonly shutdownGraceMs: number;
  /** Registry and log settings of the evaluators (tests); default: from the environment. */
  readonly logToken?: string;
}

export interface RunningAdmit {
  readonly url: string;
  readonly metrics: WebhookMetrics;
  /** Check the watched files now (tests; the timer does the same every reload interval). */
  pollFiles(): Promise<void>;
  stop(): Promise<void>;
}

/** Parses the flags of `cairn admit`; throws UsageError. */
export function admitOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): AdmitOptions & { logLevel: Level } | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      policy: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8443' },
      'timeout-ms': { type: 'string', default: '8000' },
      'cache-ttl-ms': { type: 'string', default: '300000' },
      'tag-ttl-ms': { type: 'string', default: '0' },
      'fail-open': { type: 'boolean', default: false },
      'reload-interval-ms': { type: 'string', default: '2000' },
      'shutdown-grace-ms': { type: 'string', default: '10000' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help === true) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\n${ADMIT_USAGE}`);
  const port = intFlag(values, 'port');
  if (port > 65535) throw new UsageError(`--port must be at most 65535, not ${port}`);
  const timeoutMs = intFlag(values, 'timeout-ms');
  if (timeoutMs < 1000 || timeoutMs > 30_000) throw new UsageError(`--timeout-ms must be between 1000 and 30000 (the apiserver's timeoutSeconds range), not ${timeoutMs}`);
  const reloadIntervalMs = intFlag(values, 'reload-interval-ms');
  if (reloadIntervalMs < 100 || reloadIntervalMs > 5000) throw new UsageError(`--reload-interval-ms must be between 100 and 5000 (changes are picked up within 10 s), not ${reloadIntervalMs}`);
  const logLevel = values['log-level'];
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new UsageError(`--log-level must be debug, info, warn or error, not ${JSON.stringify(logLevel)}`);
  const token = env['CAIRN_LOG_TOKEN'];
  return {
    policyFile: required(values, 'policy', ADMIT_USAGE),
    certFile: required(values, 'tls-cert', ADMIT_USAGE),
    keyFile: required(values, 'tls-key', ADMIT_USAGE),
    host: values.host,
    port,
    timeoutMs,
    cacheTtlMs: intFlag(values, 'cache-ttl-ms'),
    tagTtlMs: intFlag(values, 'tag-ttl-ms'),
    failOpen: values['fail-open'],
    reloadIntervalMs,
    shutdownGraceMs: intFlag(values, 'shutdown-grace-ms'),
    logLevel: logLevel as Level,
    ...(token === undefined || token === '' ? {} : { logToken: token }),
  };
}

/** `cairn admit` as main.ts runs it: -1 (keeps running) or an exit status. */
export async function admitMain(argv: readonly string[]): Promise<number> {
  const o = admitOptions(argv, process.env);
  if (o === 'help') {
    process.stdout.write(`${ADMIT_USAGE}\n`);
    return 0;
  }
  const logger = jsonLogger(o.logLevel);
  const running = await startAdmit(o, logger);
  stopOnSignals(running, logger, o.shutdownGraceMs);
  return -1;
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't read the ${what} ${path}: ${describeError(err)}`, { cause: err });
  }
}

/** Starts the webhook; resolves once it listens. Throws CONFIG_INVALID for an unusable policy or TLS pair. */
export async function startAdmit(o: AdmitOptions, logger: Logger): Promise<RunningAdmit> {
  const evaluatorOf = (policy: Policy): Evaluator => createEvaluator(policy, { cacheTtlMs: o.cacheTtlMs, tagTtlMs: o.tagTtlMs, ...(o.logToken === undefined ? {} : { logToken: o.logToken }) });
  const policyText = readFile(o.policyFile, 'policy file');
  let evaluator = evaluatorOf(loadPolicyFile(o.policyFile));
  const tls = { cert: readFile(o.certFile, 'TLS certificate'), key: readFile(o.keyFile, 'TLS key') };
  const metrics = new WebhookMetrics();
  metrics.policyLoaded(Date.now());
  const app = createWebhookApp({
    evaluator: () => evaluator,
    timeoutMs: o.timeoutMs,
    failOpen: o.failOpen,
    metrics,
    onReview: (endpoint, review, ms, dryRun) => {
      const fields = { endpoint, uid: review.response.uid, verdict: review.verdict, ms: Math.round(ms), dryRun, images: review.outcomes.length };
      if (review.verdict === 'allow') logger.debug('admitted', fields);
      else logger.info(review.response.allowed ? 'admitted with warnings' : 'denied', { ...fields, why: review.outcomes.filter((x) => x.verdict.decision !== 'allow').map(describeOutcome) });
    },
    logError: (msg, err) => logger.error(msg, { err }),
  });
  const server = createWebhookServer(app, tls, o.timeoutMs);
  trackResponses(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const watchers: WatchedFiles[] = [
    watchFiles([o.policyFile], [policyText], ([text]) => {
      try {
        const next = evaluatorOf(parsePolicy(text!.toString('utf8'), o.policyFile));
        const old = evaluator;
        evaluator = next;
        // Requests that took the old evaluator end within their timeout; then its connections can go.
        setTimeout(() => old.close(), o.timeoutMs + 1000).unref();
        metrics.reload('policy', true, Date.now());
        logger.info('policy reloaded', { policy: o.policyFile, rules: next.policy.rules.length });
        return true;
      } catch (err) {
        metrics.reload('policy', false);
        logger.error('policy reload failed; keeping the policy in force', { policy: o.policyFile, err });
        return false;
      }
    }, o.reloadIntervalMs),
    watchFiles([o.certFile, o.keyFile], [tls.cert, tls.key], ([cert, key]) => {
      try {
        replaceTls(server, { cert: cert!, key: key! });
        metrics.reload('tls', true);
        logger.info('TLS certificate reloaded', { cert: o.certFile });
        return true;
      } catch (err) {
        metrics.reload('tls', false);
        logger.error('TLS reload failed; keeping the certificate in force', { cert: o.certFile, err });
        return false;
      }
    }, o.reloadIntervalMs),
  ];
  const addr = server.address() as AddressInfo;
  const url = `https://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  logger.info('serving', { url, policy: o.policyFile, rules: evaluator.policy.rules.length, timeoutMs: o.timeoutMs, failOpen: o.failOpen });
  return {
    url,
    metrics,
    pollFiles: async () => {
      await Promise.all(watchers.map((w) => w.poll()));
    },
    stop: async () => {
      for (const w of watchers) w.stop();
      await closeHttpServer(server, o.shutdownGraceMs);
      evaluator.close();
    },
  };
}
