/**
 * Image references as docker and containers/image read them:
 * `[host[:port]/]path[:tag][@sha256:<64 hex>]`, grammar of distribution's
 * `reference` package (docs/content/spec/api.md "Overview"; reference/regexp.go).
 * A reference with no registry host is on Docker Hub (`docker.io`), and a
 * one-component Docker Hub path gets the `library/` prefix, as docker does.
 */
import { LogError } from '../errors.js';

/** A parsed image reference. `tag` and `digest` may both be set; the digest then names the content. */
export interface ImageReference {
  /** `host[:port]` as written (docker does not fold its case); `docker.io` for Docker Hub. */
  readonly registry: string;
  /** The repository path inside the registry, e.g. `team/app` or `library/alpine`. */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:<64 lowercase hex>`. */
  readonly digest?: string;
}

/** The registry name docker gives Docker Hub; `index.docker.io` is an alias of it. */
export const DOCKER_HUB = 'docker.io';

const MAX_NAME = 255; // distribution: NameTotalLengthMax
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST_LABEL = /^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;

/**
 * Parses `text` into an {@link ImageReference}. MUST reject, with
 * `REFERENCE_INVALID` and a message naming the offending part: empty input,
 * whitespace, an uppercase repository, a bad tag, a digest that is not
 * `sha256:` + 64 lowercase hex, a bad host or port, a name over 255 characters.
 */
export function parseImageReference(text: string): ImageReference {
  if (text.length === 0 || /\s/.test(text)) throw invalid(text, 'it is empty or contains whitespace');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!SHA256_DIGEST.test(digest)) throw invalid(text, `the digest must be sha256:<64 lowercase hex>, got "${digest}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(text, `bad tag "${tag}" (letters, digits, _ . -, at most 128, not starting with . or -)`);
  }
  const { registry, path } = splitRegistry(text, rest);
  const repository = registry === DOCKER_HUB && !path.includes('/') ? `library/${path}` : path;
  if (repository.length === 0) throw invalid(text, 'the repository is empty');
  for (const component of repository.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      const why = component.toLowerCase() !== component ? 'repository names must be lowercase' : 'repository path components are lowercase letters and digits separated by . _ __ or -';
      throw invalid(text, `bad repository component "${component}": ${why}`);
    }
  }
  if (registry.length + 1 + repository.length > MAX_NAME) throw invalid(text, `the name is longer than ${MAX_NAME} characters`);
  return { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** `registry/repository[:tag][@digest]`: parses back to an equal reference. */
export function formatReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** `registry/repository`, the identity cosign signs (no tag, no digest). */
export function repositoryName(ref: Pick<ImageReference, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The same repository with a digest and no tag: what a resolved reference names. */
export function withDigest(ref: ImageReference, digest: string): ImageReference {
  if (!SHA256_DIGEST.test(digest)) throw invalid(digest, 'the digest must be sha256:<64 lowercase hex>');
  return { registry: ref.registry, repository: ref.repository, digest };
}

/**
 * docker's rule (reference/normalize.go splitDockerDomain): the first path
 * component is a registry host when it contains `.` or `:`, is `localhost`,
 * or has an uppercase letter; otherwise the reference is on Docker Hub.
 */
function splitRegistry(text: string, name: string): { registry: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const isHost = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  if (!isHost) return { registry: DOCKER_HUB, path: name };
  checkHost(text, first);
  const registry = first === 'index.docker.io' ? DOCKER_HUB : first;
  return { registry, path: name.slice(slash + 1) };
}

function checkHost(text: string, hostPort: string): void {
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(hostPort);
  const host = m?.[1] ?? '';
  const port = m?.[2];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw invalid(text, `bad port in "${hostPort}"`);
  if (IPV6.test(host)) return;
  if (host.length === 0 || host.length > 253 || !host.split('.').every((l) => HOST_LABEL.test(l))) {
    throw invalid(text, `bad registry host "${hostPort}"`);
  }
}

function invalid(text: string, why: string): LogError<'REFERENCE_INVALID'> {
  return new LogError('REFERENCE_INVALID', `couldn't parse image reference "${text}": ${why}`, { details: { reference: text } });
}
