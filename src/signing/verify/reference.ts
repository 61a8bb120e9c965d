/**
 * Repository identity of docker references (distribution/reference
 * normalization; containers/image `matchRepository`, oci-signatures.md §4
 * step 8): a payload's `docker-reference` matches the repository being
 * verified when both name the same repository, whatever tag or digest the
 * reference carries.
 */

const DOCKER_HUB = 'docker.io';

/**
 * The normalized repository of a reference: the tag and digest dropped, the
 * domain lowercased, Docker Hub spelled `docker.io` (`index.docker.io` and
 * a missing domain too) with `library/` for one-component names.
 */
export function normalizeRepository(reference: string): string {
  let name = reference;
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) name = name.slice(0, colon);
  const first = name.indexOf('/');
  const head = first < 0 ? '' : name.slice(0, first);
  const isDomain = head.includes('.') || head.includes(':') || head === 'localhost' || head !== head.toLowerCase();
  let domain = isDomain ? head.toLowerCase() : DOCKER_HUB;
  let path = isDomain ? name.slice(first + 1) : name;
  if (domain === 'index.docker.io' || domain === 'registry-1.docker.io') domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return `${domain}/${path}`;
}

/** True when `reference` names `repository` (both normalized). */
export function sameRepository(reference: string, repository: string): boolean {
  return reference !== '' && normalizeRepository(reference) === normalizeRepository(repository);
}
