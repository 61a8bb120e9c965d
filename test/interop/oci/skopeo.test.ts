/**
 * Interop of the registry client with containers/image (skopeo) and umoci:
 * an image umoci builds and skopeo pushes resolves, with our client, to the
 * digest of the layout's own manifest bytes; images our client pushes
 * (OCI and Docker, single-platform and index) are read and copied by skopeo,
 * which checks every blob digest and parses the configs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RegistryClient, parseImageReference, sha256Digest } from '../../../src/oci/index.js';
import { LINUX_AMD64, LINUX_ARM64, pushTestImage, type ImageFormat } from '../../support/images.js';
import { hasCommand, requirePartOrSkip } from '../../support/parts.js';
import { hasRegistry, startRegistry, type TestRegistry } from '../../support/registry.js';

const run = promisify(execFile);

describe('registry client interop with skopeo and umoci', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let dir: string;

  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    requirePartOrSkip(this, 'SKOPEO', hasCommand('skopeo'));
    requirePartOrSkip(this, 'UMOCI', hasCommand('umoci'));
    reg = await startRegistry();
    client = new RegistryClient({ insecure: true, sleep: async () => {} });
    dir = mkdtempSync(join(tmpdir(), 'cairn-skopeo-'));
  });
  after(async () => {
    client?.close();
    await reg?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('resolves an umoci-built image pushed by skopeo to the digest of the layout\'s manifest', async () => {
    const layout = join(dir, 'layout');
    const bundle = join(dir, 'bundle');
    await run('umoci', ['init', '--layout', layout]);
    await run('umoci', ['new', '--image', `${layout}:v1`]);
    await run('umoci', ['unpack', '--rootless', '--image', `${layout}:v1`, bundle]);
    writeFileSync(join(bundle, 'rootfs', 'hello'), 'hello from umoci\n');
    await run('umoci', ['repack', '--image', `${layout}:v1`, bundle]);
    await run('umoci', ['config', '--image', `${layout}:v1`, '--os', 'linux', '--architecture', 'amd64', '--config.cmd', '/hello']);
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
    const want = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'v1')?.digest;
    assert.ok(want !== undefined);
    await run('skopeo', ['--insecure-policy', 'copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reg.host}/umoci/app:v1`]);
    const ref = parseImageReference(`${reg.host}/umoci/app:v1`);
    const resolved = await client.resolve(ref);
    assert.equal(resolved.digest, want);
    const { bytes } = await client.getManifest(ref, 'v1');
    assert.deepEqual(Buffer.from(bytes), readFileSync(join(layout, 'blobs', 'sha256', want.slice(7))));
    const manifest = JSON.parse(new TextDecoder().decode(bytes)) as { layers: Array<{ mediaType: string; digest: string; size: number }> };
    for (const layer of manifest.layers) assert.equal(sha256Digest(await client.getBlob(ref, layer)), layer.digest);
  });

  const cases: Array<{ format: ImageFormat; platforms: number }> = [
    { format: 'oci', platforms: 1 },
    { format: 'oci', platforms: 2 },
    { format: 'docker', platforms: 1 },
    { format: 'docker', platforms: 2 },
  ];
  for (const c of cases) {
    it(`lets skopeo read and copy a ${c.format} image with ${c.platforms} platform(s) pushed by the client`, async () => {
      const ref = parseImageReference(`${reg.host}/ours/${c.format}${c.platforms}:v1`);
      const pushed = await pushTestImage(client, ref, { format: c.format, platforms: c.platforms === 1 ? [LINUX_AMD64] : [LINUX_AMD64, LINUX_ARM64] });
      const raw = await run('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/ours/${c.format}${c.platforms}:v1`], { encoding: 'buffer' });
      assert.equal(sha256Digest(raw.stdout), pushed.digest);
      const info = JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', '--override-arch', 'amd64', '--override-os', 'linux', `docker://${reg.host}/ours/${c.format}${c.platforms}:v1`])).stdout) as { Architecture: string; Os: string; Digest: string };
      assert.equal(info.Architecture, 'amd64');
      assert.equal(info.Os, 'linux');
      const out = join(dir, `copy-${c.format}${c.platforms}`);
      await run('skopeo', ['--insecure-policy', 'copy', '--all', '--preserve-digests', '--src-tls-verify=false', `docker://${reg.host}/ours/${c.format}${c.platforms}:v1`, `dir:${out}`]);
      assert.deepEqual(readFileSync(join(out, 'manifest.json')), Buffer.from(pushed.bytes));
    });
  }
});
