/**
 * `cairn policy check` as CI runs it: the real CLI process, manifests with
 * several documents and Lists, images in a real registry signed by the real
 * `cairn sign` and logged in a real `cairn serve`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describeRun, runCairn } from '../support/cairn-cli.js';
import { startAdmissionWorld, type AdmissionWorld } from '../support/admission-world.js';
import { workload } from '../support/kube-objects.js';
import { requirePartOrSkip } from '../support/parts.js';
import { hasRegistry } from '../support/registry.js';

describe('cairn policy check', function () {
  this.timeout(180_000);
  let world: AdmissionWorld;
  let policy: string;
  let signed: { ref: string; digest: string };
  let unsigned: { ref: string; digest: string };
  let trial: { ref: string; digest: string };

  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    world = await startAdmissionWorld();
    signed = await world.image('team/web', true);
    unsigned = await world.image('team/unsigned', false);
    trial = await world.image('trial/app', false);
    policy = world.writePolicy(`rules:\n${world.rule('team')}${world.rule('trial', '    mode: warn\n')}exemptNamespaces: [kube-system]\n`);
  });
  after(async () => {
    await world?.stop();
  });

  /** Writes `docs` as one multi-document YAML file. */
  function manifest(name: string, docs: readonly unknown[]): string {
    const file = join(world.w.dir, name);
    writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
    return file;
  }
  const check = (args: readonly string[]) => runCairn(['policy', 'check', '--policy', policy, ...args], world.w.env);

  it('exits 0 when every image would be admitted, listing each with its digest', async () => {
    const file = manifest('good.yaml', [
      workload('Deployment', 'web', 'prod', { containers: [signed.ref] }),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } },
      workload('CronJob', 'nightly', 'prod', { containers: [signed.ref], initContainers: [`${signed.ref}@${signed.digest}`] }),
    ]);
    const r = await check([file]);
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stdout, /good\.yaml:1 Deployment web \(namespace prod\)/);
    assert.match(r.stdout, new RegExp(`allow containers\\[0\\] "app0" ${escape(signed.ref)} ${signed.digest}`));
    assert.match(r.stdout, /3 objects, 2 with containers, 3 images: 3 allowed, 0 warned, 0 refused/);
  });

  it('exits 1 when an image would be refused, naming it and why; warn-mode images are printed, not refused', async () => {
    const good = manifest('ok.yaml', [workload('Deployment', 'web', 'prod', { containers: [signed.ref] })]);
    const bad = manifest('bad.yaml', [
      { apiVersion: 'v1', kind: 'List', items: [workload('Pod', 'debug', 'prod', { containers: [signed.ref], initContainers: [unsigned.ref] })] },
      workload('Job', 'trial', 'prod', { containers: [trial.ref] }),
      workload('DaemonSet', 'agent', 'kube-system', { containers: [unsigned.ref] }),
    ]);
    const r = await check([good, bad]);
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stdout, new RegExp(`deny  initContainers\\[0\\] "init0" ${escape(unsigned.ref)} ${unsigned.digest}\\n\\s+UNSIGNED: `));
    assert.match(r.stdout, new RegExp(`warn  containers\\[0\\] "app0" ${escape(trial.ref)}`));
    assert.match(r.stdout, new RegExp(`allow containers\\[0\\] "app0" ${escape(unsigned.ref)} \\(exempt namespace\\)`));
    assert.match(r.stdout, /5 images: 3 allowed, 1 warned, 1 refused/);

    const json = await check(['--output', 'json', good, bad]);
    assert.equal(json.status, 1);
    const out = JSON.parse(json.stdout);
    assert.equal(out.allowed, false);
    const pod = out.workloads.find((w: { kind: string }) => w.kind === 'Pod');
    assert.deepEqual(pod.images.map((i: { decision: string; path: string }) => [i.decision, i.path]), [['allow', '/spec/containers/0/image'], ['deny', '/spec/initContainers/0/image']]);
    assert.equal(pod.images[1].reasons[0].code, 'UNSIGNED');
  });

  it('exits 2 on bad usage, a policy file that does not load, or a manifest that is not YAML', async () => {
    const good = manifest('ok2.yaml', [workload('Pod', 'p', 'prod', { containers: [signed.ref] })]);
    const broken = join(world.w.dir, 'broken.yaml');
    writeFileSync(broken, 'kind: Pod\nspec: [\n');
    const badPolicy = world.writePolicy('rules: [{images: 7}]\n', join(world.w.dir, 'bad-policy.yaml'));
    const runs = [
      await runCairn(['policy', 'check', good]),
      await check([]),
      await check([broken]),
      await check([join(world.w.dir, 'missing.yaml')]),
      await check(['--output', 'xml', good]),
      await runCairn(['policy', 'check', '--policy', badPolicy, good]),
      await runCairn(['policy', 'frobnicate']),
    ];
    for (const r of runs) assert.equal(r.status, 2, describeRun(r));
    assert.match(runs[0]!.stderr, /--policy is required/);
    assert.match(runs[2]!.stderr, /broken\.yaml: line/);
    assert.match(runs[5]!.stderr, /bad-policy\.yaml/);
  });

  it('--help prints the usage in 80 columns and exits 0', async () => {
    for (const args of [['policy', 'check', '--help'], ['policy', '--help'], ['admit', '--help']]) {
      const r = await runCairn(args);
      assert.equal(r.status, 0, describeRun(r));
      assert.match(r.stdout, /^usage: cairn /);
      for (const line of r.stdout.split('\n')) assert.ok(line.length <= 80, `${args.join(' ')}: line longer than 80 columns: ${line}`);
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
