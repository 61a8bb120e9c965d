/**
 * deploy/kubernetes/ holds together: the webhooks' timeout is the one the
 * server answers within, they skip the webhook's own namespace and
 * kube-system, they cover every kind the webhook finds images in, the
 * Deployment's arguments are flags `cairn admit` accepts, and the example
 * policy loads (with real keys in place of the placeholders).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairSync } from 'node:crypto';
import { admitOptions } from '../../src/cli/admit.js';
import { POD_SPEC_PATHS, parseManifests, type ManifestObject } from '../../src/kube/index.js';
import { parsePolicy } from '../../src/policy/index.js';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'deploy', 'kubernetes');
const PLURAL: Record<string, string> = { Pod: 'pods', Deployment: 'deployments', ReplicaSet: 'replicasets', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', Job: 'jobs', CronJob: 'cronjobs' };

describe('deploy/kubernetes', () => {
  const objects: ManifestObject[] = readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => parseManifests(readFileSync(join(DIR, f), 'utf8'), f));
  const one = (kind: string): any => {
    const found = objects.filter((o) => o.kind === kind);
    assert.equal(found.length, 1, kind);
    return found[0]!.object;
  };
  const deployment = one('Deployment');
  const container = deployment.spec.template.spec.containers[0];
  const namespace: string = deployment.metadata.namespace;

  it('lists every manifest in kustomization.yaml', () => {
    const listed = parseManifests(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'), 'kustomization.yaml')[0]!.object['resources'];
    assert.deepEqual([...(listed as string[])].sort(), readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort());
  });

  it('runs cairn admit with flags it accepts, on all interfaces, with the mounts the flags name', () => {
    const o = admitOptions(container.args.slice(1), {});
    assert.equal(container.args[0], 'admit');
    assert.ok(o !== 'help');
    assert.equal(o.host, '0.0.0.0');
    const mounts: Array<{ mountPath: string }> = container.volumeMounts;
    for (const file of [o.policyFile, o.certFile, o.keyFile]) assert.ok(mounts.some((m) => dirname(file) === m.mountPath), file);
    assert.equal(deployment.spec.replicas, 2);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(deployment.spec.template.spec.securityContext.runAsNonRoot, true);
    assert.ok(container.resources.limits.cpu !== undefined && container.resources.limits.memory !== undefined);
    assert.equal(container.readinessProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.scheme, 'HTTPS');
  });

  for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
    it(`${kind}: v1 reviews, Fail, no side effects, the server's timeout, not its own namespace nor kube-system, every workload kind`, () => {
      const hook = one(kind).webhooks[0];
      const o = admitOptions(container.args.slice(1), {});
      assert.ok(o !== 'help');
      assert.deepEqual(hook.admissionReviewVersions, ['v1']);
      assert.equal(hook.failurePolicy, 'Fail');
      assert.equal(hook.sideEffects, 'None');
      assert.equal(hook.timeoutSeconds * 1000, o.timeoutMs);
      assert.equal(hook.clientConfig.service.namespace, namespace);
      assert.equal(hook.clientConfig.service.path, kind.startsWith('Validating') ? '/validate' : '/mutate');
      assert.match(hook.clientConfig.caBundle, /REPLACE/);
      const excluded = hook.namespaceSelector.matchExpressions.find((e: { key: string; operator: string }) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn');
      assert.deepEqual([...excluded.values].sort(), ['kube-system', namespace].sort());
      const resources = hook.rules.flatMap((r: { resources: string[]; operations: string[] }) => {
        assert.deepEqual(r.operations, ['CREATE', 'UPDATE']);
        return r.resources;
      });
      for (const k of Object.keys(POD_SPEC_PATHS)) assert.ok(resources.includes(PLURAL[k]), k);
      assert.ok(resources.includes('pods/ephemeralcontainers'));
    });
  }

  it('routes the Service to the container port', () => {
    const svc = one('Service');
    assert.equal(svc.spec.ports[0].targetPort, container.ports[0].name);
    assert.deepEqual(svc.spec.selector, deployment.spec.selector.matchLabels);
  });

  it('ships an example policy that loads once its key placeholders are real keys', () => {
    const data = one('ConfigMap').data as Record<string, string>;
    const dir = mkdtempSync(join(tmpdir(), 'cairn-deploy-'));
    try {
      for (const name of Object.keys(data)) {
        if (!name.endsWith('.pub')) continue;
        assert.match(data[name]!, /REPLACE/);
        writeFileSync(join(dir, name), generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
      }
      const policy = parsePolicy(data['policy.yaml']!, join(dir, 'policy.yaml'));
      assert.deepEqual(policy.rules.map((r) => r.mode), ['enforce', 'warn']);
      assert.ok(policy.exemptNamespaces.includes(namespace));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
