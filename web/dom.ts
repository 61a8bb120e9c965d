/** Building the page with DOM calls only (no innerHTML: nothing the log sends is ever parsed as HTML). */

type Child = Node | string | undefined | false;
type Attrs = Record<string, string | undefined>;

/** An element with attributes and children; `undefined`/`false` children are skipped. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== undefined && c !== false) el.append(c);
  return el;
}

/** An SVG element (namespaced). */
export function svg(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== undefined && c !== false) el.append(c);
  return el;
}

/** A definition list of label → value rows; rows with an undefined value are left out. */
export function fields(rows: ReadonlyArray<readonly [string, Child]>, testid?: string): HTMLDListElement {
  const dl = h('dl', { class: 'fields', 'data-testid': testid });
  for (const [k, v] of rows) if (v !== undefined && v !== false) dl.append(h('dt', {}, k), h('dd', {}, v));
  return dl;
}

/** A verification badge: `data-state` verified | failed | pending, with the reason beside it. */
export function badge(state: 'verified' | 'failed' | 'pending', label: string, reason?: string): HTMLElement {
  return h(
    'p',
    { role: 'status' },
    h('span', { class: 'badge', 'data-testid': 'verification-badge', 'data-state': state }, label),
    reason === undefined ? undefined : ' ',
    reason === undefined ? undefined : h('span', { 'data-testid': 'verification-reason' }, reason),
  );
}

/** Monospace text. */
export function mono(text: string): HTMLElement {
  return h('code', {}, text);
}

/** Seconds since the epoch as ISO 8601 UTC. */
export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** The message of an error, for people. */
export function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
