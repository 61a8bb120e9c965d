import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_WITNESS_NAME, loadWitnessKey } from '../../src/cli/witness-key.js';
import { isLogError } from '../../src/errors.js';
import { cosign, formatPrivateKeyString, parseVkey, verifyCosignature, type CosignatureVerifier } from '../../src/note/index.js';
import { testKey } from '../support/test-log.js';

describe('the witness key file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-wkey-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created as 0600 PKCS#8 PEM on first use and reused after, under --name or the default name', () => {
    const path = join(dir, 'sub', 'witness-key.pem');
    const k1 = loadWitnessKey(path, undefined);
    assert.ok(k1.created);
    assert.equal(statSync(path).mode % 0o1000, 0o600);
    assert.equal(k1.cosigner.name, DEFAULT_WITNESS_NAME);
    const k2 = loadWitnessKey(path, 'w.example/1');
    assert.equal(k2.created, false);
    assert.match(k2.vkey, /^w\.example\/1\+[0-9a-f]{8}\+B/);
    const line = cosign(k2.cosigner, 'o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n', 5);
    assert.equal(verifyCosignature(parseVkey(k2.vkey) as CosignatureVerifier, 'o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n', line), 5);
  });

  it('may be an x/mod key string, whose name it uses (a different --name is refused)', () => {
    const path = join(dir, 'skey');
    writeFileSync(path, `${formatPrivateKeyString('witness.example/x', testKey(60))}\n`, { mode: 0o600 });
    assert.equal(loadWitnessKey(path, undefined).cosigner.name, 'witness.example/x');
    assert.equal(loadWitnessKey(path, 'witness.example/x').cosigner.name, 'witness.example/x');
    assert.throws(() => loadWitnessKey(path, 'other'), (e) => isLogError(e, 'CONFIG_INVALID') && /differs/.test(e.message));
    chmodSync(path, 0o644);
    assert.throws(() => loadWitnessKey(path, undefined), (e) => isLogError(e, 'CONFIG_INVALID') && /group or others/.test(e.message));
    writeFileSync(join(dir, 'bad'), 'PRIVATE+KEY+x+00000000+AAAA\n', { mode: 0o600 });
    assert.throws(() => loadWitnessKey(join(dir, 'bad'), undefined), (e) => isLogError(e, 'CONFIG_INVALID'));
  });
});
