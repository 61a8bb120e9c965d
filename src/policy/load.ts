/**
 * Reading a policy file (YAML 1.2, which includes JSON): parse, validate
 * against the schema (schema.ts), then resolve it: image patterns compiled
 * (glob.ts), key files read relative to the policy file's directory, witness
 * keys parsed, trust built per rule. Every problem is a CONFIG_INVALID
 * LogError whose message names the file, the path in it and the problem.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { LogError, describeError } from '../errors.js';
import { readPublicKey, readTokenPublicKey } from '../keys/index.js';
import { parseVkey } from '../note/index.js';
import { createTrust } from '../verifier/index.js';
import { compileImagePattern } from './glob.js';
import type { AttestationRule, Policy, PolicyRule, TrustedKey } from './policy.js';
import { checkPolicyDocument, type PolicyDocument, type RuleDocument } from './schema.js';

/** Largest policy file read. */
export const MAX_POLICY_BYTES = 1024 * 1024;

/** Reads and parses the policy file at `path` (see {@link parsePolicy}). */
export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    const bytes = readFileSync(path);
    if (bytes.length > MAX_POLICY_BYTES) throw new Error(`it is larger than ${MAX_POLICY_BYTES} bytes`);
    text = bytes.toString('utf8');
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't read the policy file ${path}: ${describeError(err)}`, { cause: err });
  }
  return parsePolicy(text, path);
}

/**
 * Parses policy text. `source` names it in messages and is the base for
 * relative paths (its directory; the working directory when it has none).
 * Reads the key files it names. Throws LogError CONFIG_INVALID.
 */
export function parsePolicy(text: string, source: string): Policy {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const at = syntax.linePos?.[0];
    const what = (syntax.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw invalid(source, at === undefined ? '' : `line ${at.line}, column ${at.col}`, `not YAML or JSON: ${what}`);
  }
  const value: unknown = doc.toJS();
  const problem = checkPolicyDocument(value);
  if (problem !== undefined) throw new LogError('CONFIG_INVALID', `${source}: ${problem}`);
  const policy = value as PolicyDocument;
  const base = dirname(source);
  return {
    source,
    rules: policy.rules.map((r, i) => resolveRule(r, i, source, base)),
    default: policy.default ?? 'deny',
    exemptNamespaces: policy.exemptNamespaces ?? [],
  };
}

function resolveRule(r: RuleDocument, index: number, source: string, base: string): PolicyRule {
  const at = `rules[${index}]`;
  const images = r.images.map((p, j) => {
    try {
      return compileImagePattern(p);
    } catch (err) {
      throw invalid(source, `${at}.images[${j}]`, describeError(err));
    }
  });
  const keys = (r.keys ?? []).map((k, j) => readKey(k, base, source, `${at}.keys[${j}]`));
  const logKeyList = typeof r.log.publicKey === 'string' ? [r.log.publicKey] : r.log.publicKey;
  const logKeys = logKeyList.map((k, j) => readKey(k, base, source, typeof r.log.publicKey === 'string' ? `${at}.log.publicKey` : `${at}.log.publicKey[${j}]`));
  if (r.log.url !== undefined) checkUrl(r.log.url, source, `${at}.log.url`);
  const witnesses = r.witnesses ?? [];
  witnesses.forEach((w, j) => {
    try {
      parseVkey(w);
    } catch (err) {
      throw invalid(source, `${at}.witnesses[${j}]`, `not a witness verifier key (<name>+<key ID>+<base64 key>): ${describeError(err)}`);
    }
  });
  const distinct = new Set(witnesses.map((w) => w.split('+').slice(2).join('+'))).size;
  const minWitnesses = r.minWitnesses ?? distinct;
  if (minWitnesses > distinct) {
    throw invalid(source, `${at}.minWitnesses`, `${minWitnesses} witness cosignatures required, but ${distinct === 0 ? 'no witness key is' : `only ${distinct} distinct witness key${distinct === 1 ? ' is' : 's are'}`} listed in witnesses`);
  }
  const trustFor = (signers: readonly TrustedKey[], where: string) => {
    try {
      return createTrust({ signerKeys: signers.map((k) => k.key), logKeys: logKeys.map((k) => k.key), witnesses: { vkeys: witnesses, min: minWitnesses } });
    } catch (err) {
      throw invalid(source, where, describeError(err));
    }
  };
  const attestations: AttestationRule[] = (r.attestations ?? []).map((a, j) => {
    const own = typeof a === 'string' ? undefined : a.keys?.map((k, n) => readKey(k, base, source, `${at}.attestations[${j}].keys[${n}]`));
    const signers = own ?? keys;
    return { predicateType: typeof a === 'string' ? a : a.predicateType, keys: signers, trust: trustFor(signers, `${at}.attestations[${j}]`) };
  });
  const registryCA = r.registryCA === undefined ? undefined : readCa(resolvePath(r.registryCA, base), source, `${at}.registryCA`);
  return {
    index,
    images,
    keys,
    identities: (r.identities ?? []).map((id) => ({ issuer: id.issuer, subject: id.subject })),
    log: { keys: logKeys, ...(r.log.url === undefined ? {} : { url: r.log.url }) },
    witnesses,
    minWitnesses,
    attestations,
    mode: r.mode ?? 'enforce',
    insecureRegistry: r.insecureRegistry ?? false,
    ...(registryCA === undefined ? {} : { registryCA }),
    trust: trustFor(keys, at),
  };
}

/** A public key: a PEM file (relative to the policy's directory) or a PKCS#11 URI of a public object. */
function readKey(ref: string, base: string, source: string, where: string): TrustedKey {
  const token = /^pkcs11:/i.test(ref);
  const path = token ? ref : resolvePath(ref, base);
  try {
    return { source: path, key: token ? readTokenPublicKey(ref) : readPublicKey(path) };
  } catch (err) {
    throw invalid(source, where, describeError(err));
  }
}

function readCa(path: string, source: string, where: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw invalid(source, where, `couldn't read ${path}: ${describeError(err)}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw invalid(source, where, `${path} holds no PEM certificate`);
  return path;
}

function checkUrl(url: string, source: string, where: string): void {
  try {
    new URL(url);
  } catch {
    throw invalid(source, where, `${JSON.stringify(url)} is not a URL`);
  }
}

function resolvePath(path: string, base: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

function invalid(source: string, where: string, problem: string): LogError<'CONFIG_INVALID'> {
  return new LogError('CONFIG_INVALID', `${source}: ${where === '' ? '' : `${where}: `}${problem}`);
}
