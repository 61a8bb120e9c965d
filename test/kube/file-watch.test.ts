import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchFiles, type WatchedFiles } from '../../src/kube/index.js';
import { kubeletVolume } from '../support/kubelet-volume.js';

describe('watchFiles', () => {
  let dir: string;
  let watched: WatchedFiles | undefined;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cairn-watch-'))));
  afterEach(() => {
    watched?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Watches `paths` (polled by hand: the interval is an hour), recording what onChange got; onChange succeeds while `ok()`. */
  function watch(paths: string[], ok: () => boolean = () => true): string[][] {
    const seen: string[][] = [];
    watched = watchFiles(paths, paths.map((p) => readFileSync(p)), (contents) => {
      seen.push(contents.map((b) => b.toString()));
      return ok();
    }, 3_600_000);
    return seen;
  }

  it('reports a file written in place, once', async () => {
    const f = join(dir, 'policy.yaml');
    writeFileSync(f, 'one');
    const seen = watch([f]);
    await watched!.poll();
    assert.deepEqual(seen, []);
    writeFileSync(f, 'two');
    await watched!.poll();
    await watched!.poll();
    assert.deepEqual(seen, [['two']]);
  });

  it('reports files replaced through the ..data symlink swap of a ConfigMap or Secret volume', async () => {
    const vol = kubeletVolume(dir, { 'tls.crt': 'cert1', 'tls.key': 'key1' });
    const seen = watch([join(dir, 'tls.crt'), join(dir, 'tls.key')]);
    await watched!.poll();
    vol.update({ 'tls.crt': 'cert2', 'tls.key': 'key2' });
    await watched!.poll();
    assert.deepEqual(seen, [['cert2', 'key2']]);
  });

  it('does not report a rewrite with the same content', async () => {
    const f = join(dir, 'p');
    writeFileSync(f, 'same');
    const seen = watch([f]);
    await watched!.poll();
    writeFileSync(f, 'same');
    await watched!.poll();
    assert.deepEqual(seen, []);
  });

  it('after a failed load, reports again only once the content changes (a writer that had not finished)', async () => {
    const f = join(dir, 'p');
    writeFileSync(f, 'full');
    let good = false;
    const seen = watch([f], () => good);
    writeFileSync(f, 'ha'); // half-written
    await watched!.poll();
    await watched!.poll(); // the same broken content: not retried
    good = true;
    writeFileSync(f, 'half and the rest');
    await watched!.poll();
    assert.deepEqual(seen, [['ha'], ['half and the rest']]);
  });

  it('waits while a file is missing, and reports it when it is back', async () => {
    const f = join(dir, 'p');
    writeFileSync(f, 'a');
    const seen = watch([f]);
    rmSync(f);
    await watched!.poll();
    writeFileSync(f, 'b');
    await watched!.poll();
    assert.deepEqual(seen, [['b']]);
  });
});
