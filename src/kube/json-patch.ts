/**
 * The mutating webhook's JSONPatch (RFC 6902): one `replace` per admitted
 * image, pinning it to the digest the policy verified, so that a tag moved
 * after admission cannot change what runs. The pinned form keeps the
 * reference as written and adds the digest, `repo:tag@sha256:…` (as sigstore
 * policy-controller writes it; container runtimes pull by the digest and
 * ignore the tag). A reference that already names a digest is left alone:
 * the policy verified that very digest.
 */
import type { ImageOutcome } from './evaluate-images.js';

export interface ReplaceOperation {
  readonly op: 'replace';
  /** JSON pointer (RFC 6901). */
  readonly path: string;
  readonly value: string;
}

/** True when `image` already names a digest (`…@<algorithm>:<hex>`). */
export function isDigestPinned(image: string): boolean {
  return image.includes('@');
}

/** `image` pinned to `digest`: `repo:tag@sha256:…` (or `repo@sha256:…` without a tag). */
export function pinnedReference(image: string, digest: string): string {
  return `${image}@${digest}`;
}

/**
 * The patch pinning every admitted (allow or warn) image with a verified
 * digest that is not pinned yet; images admitted without verification
 * (an exempt namespace, `--fail-open`) are left as written.
 */
export function digestPinPatch(outcomes: readonly ImageOutcome[]): ReplaceOperation[] {
  const ops: ReplaceOperation[] = [];
  for (const o of outcomes) {
    const { verdict } = o;
    if (verdict.decision === 'deny' || verdict.exempt === true || verdict.digest === undefined) continue;
    if (isDigestPinned(o.at.image)) continue;
    ops.push({ op: 'replace', path: o.at.path, value: pinnedReference(o.at.image, verdict.digest) });
  }
  return ops;
}

/** The patch as the AdmissionReview response carries it: base64 of its JSON text. */
export function encodePatch(ops: readonly ReplaceOperation[]): string {
  return Buffer.from(JSON.stringify(ops), 'utf8').toString('base64');
}
