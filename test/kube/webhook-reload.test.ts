/**
 * `cairn admit` picks up a changed policy and TLS certificate without a
 * restart: written in place, or swapped by rename as the kubelet updates a
 * ConfigMap or Secret volume; a policy that does not load is logged and the
 * old one kept; requests in flight during a reload are answered.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { testCaAndServer } from '../support/certs.js';
import { startAdmissionWorld, httpsCall, nextLogLine, type AdmissionWorld } from '../support/admission-world.js';
import { admissionReview, workload } from '../support/kube-objects.js';
import { kubeletVolume } from '../support/kubelet-volume.js';
import { requirePartOrSkip } from '../support/parts.js';
import { hasRegistry } from '../support/registry.js';
import { startCommand } from '../support/server-process.js';

describe('cairn admit reloads', function () {
  this.timeout(180_000);
  let world: AdmissionWorld;
  let ca: Buffer;
  let unsigned: string;
  let hanging: Server;
  let hangHost: string;
  const sockets: Socket[] = [];

  const enforce = (): string => `rules:\n${world.rule('team')}default: deny\n`;
  const lenient = (): string => `rules:\n${world.rule('team', '    mode: warn\n')}default: deny\n`;

  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    world = await startAdmissionWorld();
    ca = readFileSync(world.ca.certFile);
    unsigned = (await world.image('team/unsigned', false)).ref;
    hanging = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    hangHost = `127.0.0.1:${(hanging.address() as { port: number }).port}`;
  });
  after(async () => {
    await world?.stop();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => (hanging === undefined ? r() : hanging.close(() => r())));
  });

  async function allowed(url: string, image = unsigned, caPem: Buffer = ca): Promise<boolean> {
    const r = await httpsCall(url, '/validate', caPem, { body: JSON.stringify(admissionReview(workload('Pod', 'p', 'prod', { containers: [image] }))) });
    assert.equal(r.status, 200, r.text);
    return r.json.response.allowed;
  }

  it('reloads a policy written in place, and keeps the old one when the new one does not load', async () => {
    const policy = world.writePolicy(enforce(), join(world.w.dir, 'inplace.yaml'));
    const admit = await world.admit(['--policy', policy, '--reload-interval-ms', '200']);
    assert.equal(await allowed(admit.url), false);
    let reloaded = nextLogLine(admit, 'policy reloaded');
    writeFileSync(policy, lenient());
    await reloaded;
    assert.equal(await allowed(admit.url), true);
    const failed = nextLogLine(admit, 'policy reload failed; keeping the policy in force');
    writeFileSync(policy, 'rules: [{images: 7}]\n');
    assert.match(String(((await failed)['err'] as { message?: unknown } | undefined)?.message), /inplace\.yaml/, 'the error is logged with its message');
    assert.equal(await allowed(admit.url), true, 'the lenient policy is still in force');
    reloaded = nextLogLine(admit, 'policy reloaded');
    writeFileSync(policy, enforce());
    await reloaded;
    assert.equal(await allowed(admit.url), false);
    const metrics = (await httpsCall(admit.url, '/metrics', ca)).text;
    assert.match(metrics, /^cairn_admit_reloads_total\{file="policy",result="ok"\} 2$/m);
    assert.match(metrics, /^cairn_admit_reloads_total\{file="policy",result="failed"\} 1$/m);
  });

  it('reloads a policy and a certificate swapped by rename (ConfigMap and Secret volumes), answering the requests in flight', async () => {
    const config = kubeletVolume(join(world.w.dir, 'config'), { 'policy.yaml': `rules:\n${world.rule('team')}  - images: ["${hangHost}/**"]\n    keys: ["${world.w.pubFile}"]\n    log: {publicKey: "${world.w.logKeyFile}"}\n    insecureRegistry: true\n` });
    const tls = kubeletVolume(join(world.w.dir, 'tls'), { 'tls.crt': readFileSync(world.server.certFile), 'tls.key': readFileSync(world.server.keyFile) });
    const admit = await startCommand('admit', ['--policy', config.path('policy.yaml'), '--tls-cert', tls.path('tls.crt'), '--tls-key', tls.path('tls.key'), '--reload-interval-ms', '200', '--timeout-ms', '4000']);
    try {
      assert.equal(await allowed(admit.url), false);
      // A request in flight (its registry never answers: it runs to the deadline) across both reloads.
      const inFlight = httpsCall(admit.url, '/validate', ca, { body: JSON.stringify(admissionReview(workload('Pod', 'p', 'prod', { containers: [`${hangHost}/app:v1`] }))) });
      const policyReloaded = nextLogLine(admit, 'policy reloaded');
      config.update({ 'policy.yaml': lenient() });
      await policyReloaded;
      // A new certificate from another CA.
      const dir2 = join(world.w.dir, 'ca2');
      mkdirSync(dir2);
      const second = testCaAndServer(dir2);
      const tlsReloaded = nextLogLine(admit, 'TLS certificate reloaded');
      tls.update({ 'tls.crt': readFileSync(second.server.certFile), 'tls.key': readFileSync(second.server.keyFile) });
      await tlsReloaded;
      const ca2 = readFileSync(second.ca.certFile);
      assert.equal(await allowed(admit.url, unsigned, ca2), true, 'the new certificate and the lenient policy serve');
      await assert.rejects(httpsCall(admit.url, '/healthz', ca), /self-signed|unable to verify|certificate/i);
      const answer = await inFlight;
      assert.equal(answer.status, 200);
      assert.match(answer.json.response.status.message, /TIMEOUT/);
    } finally {
      await admit.stop();
    }
  });
});
