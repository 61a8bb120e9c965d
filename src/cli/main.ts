#!/usr/bin/env node
/**
 * The composition root: config → store → log → http. The only module that
 * picks implementations.
 *
 *   cairn serve [flags]      run the log (default)
 *   cairn keygen [--type ecdsa-p256|ed25519] --out FILE  create a log (or note) key ahead of time
 *   cairn keygen --signing … create an image-signing key (file or PKCS#11 token)
 *   cairn vkey [flags]       print the log's C2SP verifier key
 *   cairn witness [flags]    run a tlog-witness cosigner for configured logs
 *   cairn monitor [flags]    follow a log: verify checkpoints, recompute from tiles, watch keys
 *   cairn backup --to FILE   a consistent copy of the log's database, taken while it serves
 *   cairn restore --from FILE  a backup into an empty data dir, proved
 *   cairn check              prove a data dir (or --file) : tree rehashed, root = signed checkpoint
 *   cairn migrate --from DIR --to URL  copy a data dir's log into an empty PostgreSQL database, proved
 *   cairn healthcheck        GET /healthz of the configured server (container health checks)
 *   cairn trust-root --url URL  print the log as a sigstore TrustedRoot
 *   cairn signing-config --url URL  print the log's sigstore SigningConfig (its Rekor v1 and v2 endpoints)
 *   cairn token --name N     create a bearer token for --tokens-file
 *   cairn totp-secret --out FILE  create the TOTP secret of admin operations
 *   cairn admin OP --url URL [--otp CODE]  admin operations (rotate, reload-tokens, …), audit-log
 *   cairn sign|attest IMAGE  sign an image (attest: an attestation about it), log it, attach it in the registry
 *   cairn verify|verify-attestation IMAGE   verify an image's signatures (attestations)
 *   cairn admit [flags]      the Kubernetes admission webhook (only signed, logged images run)
 *   cairn policy check …     the admission verdicts for Kubernetes manifests
 *   cairn help [COMMAND]     list the commands (COMMAND: its flags); also `cairn COMMAND --help`
 *   cairn --version          the package version
 *
 * Exit statuses: the table in exit-codes.ts (and the README).
 */
import { describeError } from '../errors.js';
import { UsageError, mainExitStatus } from './exit-codes.js';

const wantsHelp = (args: readonly string[]): boolean => args.includes('--help') || args.includes('-h');

// Each command's modules load only when it runs: a one-shot command such as `cairn verify` does not
// pay for the server, the store or the other commands at start-up.
async function main(argv: string[]): Promise<number> {
  const [cmd = 'serve', ...rest] = argv;
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    process.stdout.write(`${(await import('./help.js')).version()}\n`);
    return 0;
  }
  if (cmd === 'help' || cmd === '--help' || cmd === '-h') {
    const help = await import('./help.js');
    const [topic] = rest;
    if (topic === undefined || topic === 'help') {
      process.stdout.write(help.commandList());
      return 0;
    }
    if (!help.COMMANDS.some((c) => c.name === topic)) throw new UsageError(`unknown command ${JSON.stringify(topic)}; try: cairn help`);
    return main([topic, '--help']);
  }
  if (wantsHelp(rest)) {
    const text = (await import('./help.js')).commandHelp(cmd);
    if (text !== undefined) {
      process.stdout.write(text);
      return 0;
    }
  }
  switch (cmd) {
    case 'serve': {
      const [{ loadConfig }, { jsonLogger }, { asyncLogDestination }, { serve }, { stopOnSignals, reloadOnHangup }] = await Promise.all([
        import('../config/index.js'), import('./logger.js'), import('./log-destination.js'), import('./serve.js'), import('./signals.js'),
      ]);
      const config = loadConfig({ argv: rest, env: process.env });
      // A line per request: written off the event loop (log-destination.ts), flushed before a clean exit.
      const logger = jsonLogger(config.logLevel, asyncLogDestination());
      const running = serve(config, logger, { reloadConfig: () => loadConfig({ argv: rest, env: process.env }) });
      stopOnSignals(running, logger, config.shutdownGraceMs); // before 'serving' is logged: no window without handlers
      reloadOnHangup(running, logger);
      await running;
      return -1; // keep running
    }
    case 'keygen': {
      if (rest.includes('--signing')) return (await import('./keygen-signing.js')).keygenSigningMain(rest, process.env);
      return (await import('./keygen-log.js')).keygenLogMain(rest);
    }
    case 'vkey': {
      const [{ loadConfig }, { openLogFromConfig }] = await Promise.all([import('../config/index.js'), import('./open-log.js')]);
      const config = loadConfig({ argv: rest, env: process.env });
      const opened = await openLogFromConfig(config, undefined, { existing: true });
      process.stdout.write(`${opened.identity.vkey}\n`);
      await opened.log.close();
      await opened.store.close();
      await opened.keys.close();
      return 0;
    }
    case 'check-key': {
      const [{ loadConfig }, { readKeyFile }] = await Promise.all([import('../config/index.js'), import('./keyfile.js')]);
      const config = loadConfig({ argv: rest, env: process.env });
      if (/^pkcs11:/i.test(config.keyFile)) throw new Error('check-key reads key files; a pkcs11: key is checked when the server opens it');
      const type = readKeyFile(config.keyFile).asymmetricKeyType === 'ed25519' ? 'Ed25519' : 'ECDSA P-256';
      process.stdout.write(`${config.keyFile}: ok (${type})\n`);
      return 0;
    }
    case 'witness':
      return (await import('./subcommands.js')).witnessMain(rest);
    case 'monitor':
      return (await import('./subcommands.js')).monitorMain(rest);
    case 'backup':
      return (await import('./backup.js')).backupMain(rest);
    case 'restore':
      return (await import('./backup.js')).restoreMain(rest);
    case 'check':
      return (await import('./backup.js')).checkMain(rest);
    case 'migrate':
      return (await import('./migrate.js')).migrateMain(rest);
    case 'healthcheck':
      return (await import('./healthcheck.js')).healthcheckMain(rest);
    case 'trust-root':
      return (await import('./trust-root.js')).trustRootMain(rest);
    case 'signing-config':
      return (await import('./signing-config.js')).signingConfigMain(rest);
    case 'token':
      return (await import('./tokens.js')).tokenMain(rest);
    case 'totp-secret':
      return (await import('./totp-secret.js')).totpSecretMain(rest);
    case 'admin':
      return (await import('./admin.js')).adminMain(rest);
    case 'sign':
      return (await import('./sign.js')).signMain(rest);
    case 'attest':
      return (await import('./attest.js')).attestMain(rest);
    case 'verify':
      return (await import('./verify.js')).verifyMain(rest, false);
    case 'verify-attestation':
      return (await import('./verify.js')).verifyMain(rest, true);
    case 'admit':
      return (await import('./admit.js')).admitMain(rest);
    case 'policy':
      return (await import('./policy-check.js')).policyMain(rest);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(cmd)}; try: cairn help`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`cairn: ${describeError(err)}\n`);
    process.exit(mainExitStatus(err));
  },
);
