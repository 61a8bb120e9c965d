/**
 * The policy file: YAML and JSON, the example form, defaults,
 * paths relative to the file, and schema errors that name the file, the
 * path in it and the problem.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLogError } from '../../src/errors.js';
import { loadPolicyFile, parsePolicy } from '../../src/policy/index.js';
import { generateKeyInToken } from '../../src/keys/index.js';
import { requirePartOrSkip } from '../support/parts.js';
import { testWitness } from '../support/signing-log.js';
import { createSoftToken, softhsmAvailable, type SoftToken } from '../support/softhsm.js';

describe('policy file', () => {
  let dir: string;
  let keyPem: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-policy-load-'));
    mkdirSync(join(dir, 'keys'));
    keyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    writeFileSync(join(dir, 'keys', 'release.pub'), keyPem);
    writeFileSync(join(dir, 'keys', 'log.pub'), generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes `text` as a policy file in the temp dir and loads it; returns the error message when it throws. */
  function load(text: string, name = 'policy.yaml') {
    const path = join(dir, name);
    writeFileSync(path, text);
    return loadPolicyFile(path);
  }
  function problem(text: string, name = 'policy.yaml'): string {
    try {
      load(text, name);
    } catch (err) {
      assert.ok(isLogError(err, 'CONFIG_INVALID'), String(err));
      return err.message;
    }
    assert.fail('the policy loaded');
  }

  const RULE = `  - images: ["registry.example:5000/team/*"]
    keys: ["keys/release.pub"]
    log: {publicKey: "keys/log.pub", url: "https://log.example"}
`;

  describe('when the file is the issue\'s example form', () => {
    it('loads every key, with paths relative to the file', () => {
      const w = testWitness('w1.example');
      const p = load(`rules:
  - images: ["registry.example:5000/team/*"]
    keys: ["keys/release.pub"]
    log: {publicKey: "keys/log.pub", url: "https://log.example"}
    witnesses: ["${w.vkey}"]
    minWitnesses: 1
    attestations: ["https://slsa.dev/provenance/v1", {predicateType: "https://example.com/sbom", keys: ["${join(dir, 'keys', 'release.pub')}"]}]
    mode: warn
    insecureRegistry: true
default: allow
exemptNamespaces: ["kube-system"]
`);
      assert.equal(p.default, 'allow');
      assert.deepEqual(p.exemptNamespaces, ['kube-system']);
      const r = p.rules[0];
      assert.ok(r !== undefined);
      assert.equal(r.index, 0);
      assert.equal(r.mode, 'warn');
      assert.equal(r.insecureRegistry, true);
      assert.equal(r.keys[0]?.source, join(dir, 'keys', 'release.pub'));
      assert.equal(r.log.url, 'https://log.example');
      assert.equal(r.minWitnesses, 1);
      assert.equal(r.trust.minWitnesses, 1);
      assert.equal(r.log.keys.length, 1);
      assert.deepEqual(r.attestations.map((a) => a.predicateType), ['https://slsa.dev/provenance/v1', 'https://example.com/sbom']);
    });

    it('defaults: deny, no exemptions, enforce, HTTPS, minWitnesses = the distinct witnesses', () => {
      const w = testWitness('w1.example');
      const p = load(`rules:\n${RULE}    witnesses: ["${w.vkey}", "${w.vkey}"]\n`);
      assert.equal(p.default, 'deny');
      assert.deepEqual(p.exemptNamespaces, []);
      assert.equal(p.rules[0]?.mode, 'enforce');
      assert.equal(p.rules[0]?.insecureRegistry, false);
      assert.equal(p.rules[0]?.minWitnesses, 1);
    });

    it('reads JSON too', () => {
      const p = load(JSON.stringify({ rules: [{ images: ['registry.example/app'], keys: [join(dir, 'keys/release.pub')], log: { publicKey: [join(dir, 'keys/log.pub')] } }] }), 'policy.json');
      assert.equal(p.rules.length, 1);
      assert.equal(p.rules[0]?.images[0]?.normalized, 'registry.example/app');
    });

    it('accepts certificate identities (verdicts will say they are not supported)', () => {
      const p = load(`rules:\n  - images: ["**"]\n    identities: [{issuer: "https://token.actions.githubusercontent.com", subject: "repo:org/app:*"}]\n    log: {publicKey: keys/log.pub}\n`);
      assert.equal(p.rules[0]?.identities.length, 1);
      assert.equal(p.rules[0]?.keys.length, 0);
    });

    it('parsePolicy resolves paths against the directory of its source', () => {
      const p = parsePolicy(`rules:\n${RULE}`, join(dir, 'in-memory.yaml'));
      assert.equal(p.source, join(dir, 'in-memory.yaml'));
      assert.equal(p.rules[0]?.log.keys[0]?.source, join(dir, 'keys', 'log.pub'));
    });
  });

  describe('when the file is wrong, the message names the file, the path and the problem', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['a missing rules', 'default: deny\n', /policy\.yaml: rules: is required/],
      ['an unknown top-level key', `rules: []\ndefualt: deny\n`, /policy\.yaml: defualt: is not a policy setting/],
      ['a bad default', `rules: []\ndefault: maybe\n`, /policy\.yaml: default: must be "deny" or "allow"/],
      ['a negative minWitnesses', `rules:\n${RULE}  - images: [x]\n    keys: [keys/release.pub]\n    log: {publicKey: keys/log.pub}\n    minWitnesses: -1\n`, /policy\.yaml: rules\[1\]\.minWitnesses: must be 0 or more/],
      ['a fractional minWitnesses', `rules:\n${RULE}    minWitnesses: 1.5\n`, /rules\[0\]\.minWitnesses: must be a whole number/],
      ['minWitnesses above the witnesses', `rules:\n${RULE}    minWitnesses: 2\n`, /rules\[0\]\.minWitnesses: 2 witness cosignatures required, but no witness key is listed/],
      ['a malformed witness', `rules:\n${RULE}    witnesses: ["not-a-vkey"]\n`, /rules\[0\]\.witnesses\[0\]: not a witness verifier key/],
      ['a bad mode', `rules:\n${RULE}    mode: audit\n`, /rules\[0\]\.mode: must be "enforce" or "warn"/],
      ['a rule without signers', `rules:\n  - images: [x]\n    log: {publicKey: keys/log.pub}\n`, /rules\[0\]: must be given keys, identities, or both/],
      ['a rule without a log', `rules:\n  - images: [x]\n    keys: [keys/release.pub]\n`, /rules\[0\]\.log: is required/],
      ['empty images', `rules:\n  - images: []\n    keys: [keys/release.pub]\n    log: {publicKey: keys/log.pub}\n`, /rules\[0\]\.images: must list at least 1 item/],
      ['images not a list', `rules:\n  - images: x\n    keys: [keys/release.pub]\n    log: {publicKey: keys/log.pub}\n`, /rules\[0\]\.images: must be a list/],
      ['a pattern with a tag', `rules:\n  - images: ["registry.example/app:v1"]\n    keys: [keys/release.pub]\n    log: {publicKey: keys/log.pub}\n`, /rules\[0\]\.images\[0\]: "registry\.example\/app:v1" has a tag/],
      ['a missing key file', `rules:\n  - images: [x]\n    keys: [keys/release.pub, keys/missing.pub]\n    log: {publicKey: keys/log.pub}\n`, /rules\[0\]\.keys\[1\]: couldn't read the public key file .*missing\.pub/],
      ['a private key given as a key', `rules:\n  - images: [x]\n    keys: [keys/private.pem]\n    log: {publicKey: keys/log.pub}\n`, /rules\[0\]\.keys\[0\]: .*not a "PUBLIC KEY"/],
      ['a log URL that is not http(s)', `rules:\n  - images: [x]\n    keys: [keys/release.pub]\n    log: {publicKey: keys/log.pub, url: "ftp://x"}\n`, /rules\[0\]\.log\.url: must be an http:\/\/ or https:\/\/ URL/],
      ['a bad attestation', `rules:\n${RULE}    attestations: [{type: x}]\n`, /rules\[0\]\.attestations\[0\]: must be a predicate type, or \{predicateType, keys\}/],
      ['a misspelt rule key', `rules:\n${RULE}    minWitness: 1\n`, /rules\[0\]\.minWitness: is not a policy setting/],
      ['YAML that does not parse', `rules: [\n`, /policy\.yaml: line \d+, column \d+: not YAML or JSON/],
      ['a duplicate key', `rules: []\nrules: []\n`, /policy\.yaml: line 2, column 1: not YAML or JSON/],
      ['a list at the top', `- a\n`, /policy\.yaml: the policy: must be a mapping/],
    ];
    before(() => writeFileSync(join(dir, 'keys', 'private.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()));
    for (const [what, text, expected] of cases) {
      it(`says so for ${what}`, () => {
        assert.match(problem(text), expected);
      });
    }

    it('says so when the file cannot be read', () => {
      assert.throws(() => loadPolicyFile(join(dir, 'nope.yaml')), /couldn't read the policy file .*nope\.yaml/);
    });
  });

  describe('when a key is a PKCS#11 public object', () => {
    let token: SoftToken;
    before(function () {
      requirePartOrSkip(this, 'HSM', softhsmAvailable());
      token = createSoftToken('policy');
      token.use();
    });
    after(() => token?.remove());

    it('reads it from the token (no PIN needed), and names the rule when it is missing', async () => {
      const { publicKeyPem } = await generateKeyInToken(token.uri('release'));
      const uri = `pkcs11:token=policy;object=release;type=public?module-path=${token.modulePath}`;
      const p = load(`rules:\n  - images: [x]\n    keys: ["${uri}"]\n    log: {publicKey: keys/log.pub}\n`);
      assert.equal(p.rules[0]?.keys[0]?.source, uri);
      assert.equal(p.rules[0]?.keys[0]?.key.export({ type: 'spki', format: 'pem' }), publicKeyPem);
      assert.match(problem(`rules:\n  - images: [x]\n    keys: ["${uri.replace('release', 'absent')}"]\n    log: {publicKey: keys/log.pub}\n`), /rules\[0\]\.keys\[0\]: token "policy" holds no public key or certificate "absent"/);
    });
  });
});
