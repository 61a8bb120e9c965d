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
 *   cairn trust-root --url URL  print the log as a sigstore TrustedRoot
 *   cairn token --name N     create a bearer token for --tokens-file
 *   cairn sign|attest IMAGE  sign an image (attest: an attestation about it), log it, attach it in the registry
 *   cairn verify|verify-attestation IMAGE   verify an image's signatures (attestations)
 *   cairn admit [flags]      the Kubernetes admission webhook (only signed, logged images run)
 *   cairn policy check …     the admission verdicts for Kubernetes manifests
 *   cairn help               list commands and settings
 */
import { describeError } from '../errors.js';

// Each command's modules load only when it runs: a one-shot command such as `cairn verify` does not
// pay for the server, the store or the other commands at start-up.
async function main(argv: string[]): Promise<number> {
  const [cmd = 'serve', ...rest] = argv;
  switch (cmd) {
    case 'serve': {
      const [{ loadConfig }, { jsonLogger }, { serve }, { stopOnSignals }] = await Promise.all([
        import('../config/index.js'), import('./logger.js'), import('./serve.js'), import('./signals.js'),
      ]);
      const config = loadConfig({ argv: rest, env: process.env });
      const logger = jsonLogger(config.logLevel);
      const running = await serve(config, logger);
      stopOnSignals(running, logger, config.shutdownGraceMs);
      return -1; // keep running
    }
    case 'keygen': {
      if (rest.includes('--signing')) return (await import('./keygen-signing.js')).keygenSigningMain(rest, process.env);
      return (await import('./keygen-log.js')).keygenLogMain(rest);
    }
    case 'vkey': {
      const [{ loadConfig }, { openLogFromConfig }] = await Promise.all([import('../config/index.js'), import('./open-log.js')]);
      const config = loadConfig({ argv: rest, env: process.env });
      const opened = await openLogFromConfig(config);
      process.stdout.write(`${opened.identity.vkey}\n`);
      await opened.log.close();
      opened.store.close();
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
    case 'trust-root':
      return (await import('./trust-root.js')).trustRootMain(rest);
    case 'token':
      return (await import('./tokens.js')).tokenMain(rest);
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
    case 'help':
    case '--help':
    case '-h': {
      const { settingsTable } = await import('../config/index.js');
      process.stdout.write(
        `usage: cairn <serve|keygen|vkey|check-key|witness|monitor|trust-root|token|sign|attest|verify|verify-attestation|admit|policy|help> [flags]\n(cairn witness --help, cairn monitor --help, cairn sign --help, cairn admit --help, …: their settings)\n\nSettings of serve (flags override environment variables):\n\n${settingsTable()}\n`,
      );
      return 0;
    }
    default:
      throw new Error(`unknown command ${JSON.stringify(cmd)}; try: cairn help`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`cairn: ${describeError(err)}\n`);
    process.exit(2);
  },
);
