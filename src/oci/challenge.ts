/**
 * `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 6750 §3) as
 * registries send them: `Basic realm="…"` or
 * `Bearer realm="…",service="…",scope="…"[,error="insufficient_scope"]`
 * (distribution docs/content/spec/auth/token.md "How to authenticate").
 */

export interface Challenge {
  /** Lowercased auth scheme, e.g. `bearer`, `basic`. */
  readonly scheme: string;
  /** Parameters, names lowercased. */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses every challenge in a header value (several may be comma-joined, or
 * the header may repeat). Malformed parts are skipped, never thrown on:
 * the value comes from the network.
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  const out: Challenge[] = [];
  for (const value of values) {
    let current: { scheme: string; params: Record<string, string> } | undefined;
    // token, or name=token, or name="quoted \" string"
    const re = /\s*(?:([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))|([A-Za-z0-9!#$%&'*+.^_`|~-]+))\s*,?/gy;
    let m: RegExpExecArray | null;
    while (re.lastIndex < value.length && (m = re.exec(value)) !== null) {
      if (m[4] !== undefined) {
        current = { scheme: m[4].toLowerCase(), params: {} };
        out.push(current);
        // A scheme may be followed directly by its first parameter: "Bearer realm=…".
        continue;
      }
      if (current !== undefined && m[1] !== undefined) {
        current.params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
      }
      if (m[0].length === 0) break;
    }
  }
  return out;
}
