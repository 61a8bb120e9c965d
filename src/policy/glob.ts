/**
 * Image patterns of a policy rule: globs over the normalized
 * `registry/repository` of a reference (no tag, no digest), as
 * src/oci/reference.ts normalizes it: a name without a registry host is on
 * Docker Hub (`docker.io`), and a one-component Docker Hub name gets the
 * `library/` prefix (`nginx` is `docker.io/library/nginx`).
 *
 * - `*` matches any run of characters within one path segment (never `/`);
 * - `**` matches any run of characters across segments (`/` included);
 * - `?` matches one character other than `/`;
 * - everything else matches itself; the whole name must match.
 *
 * Patterns are normalized like references when their first segment has no
 * wildcard: `nginx` → `docker.io/library/nginx`, `team/*` →
 * `docker.io/team/*`, `index.docker.io/x` → `docker.io/x`. A pattern with a
 * tag or digest is refused: tags move, so rules name repositories.
 */
import { DOCKER_HUB } from '../oci/index.js';

/** A compiled pattern: the text as written, its normalized form, and the test. */
export interface ImagePattern {
  readonly text: string;
  readonly normalized: string;
  matches(name: string): boolean;
}

const ALLOWED = /^[A-Za-z0-9._\-/:*?]+$/;

/**
 * Compiles `text`. Throws an Error whose message says what is wrong with the
 * pattern (the caller names where it is): empty, whitespace or `@`, a tag.
 */
export function compileImagePattern(text: string): ImagePattern {
  if (text.length === 0) throw new Error('an image pattern must not be empty');
  if (text.includes('@')) throw new Error(`"${text}" has a digest; patterns match registry/repository only`);
  if (!ALLOWED.test(text)) throw new Error(`"${text}" has characters an image name cannot have (allowed: letters, digits, . _ - / : and the wildcards * ** ?)`);
  const lastSlash = text.lastIndexOf('/');
  if (text.lastIndexOf(':') > lastSlash) throw new Error(`"${text}" has a tag; patterns match registry/repository only (write "${text.slice(0, text.lastIndexOf(':'))}")`);
  const normalized = normalizePattern(text);
  const re = new RegExp(`^${toRegExp(normalized)}$`);
  return { text, normalized, matches: (name) => re.test(name) };
}

/** Docker's defaults applied to a pattern whose first segment is literal (see the module comment). */
export function normalizePattern(text: string): string {
  const slash = text.indexOf('/');
  const first = slash < 0 ? text : text.slice(0, slash);
  if (/[*?]/.test(first)) return text;
  const isHost = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  if (isHost) return first === 'index.docker.io' ? `${DOCKER_HUB}${text.slice(slash)}` : text;
  return slash < 0 ? `${DOCKER_HUB}/library/${text}` : `${DOCKER_HUB}/${text}`;
}

function toRegExp(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else {
      out += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return out;
}
