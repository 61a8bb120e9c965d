/**
 * Settings as `--help` text for an 80-column terminal: per setting, its flag,
 * environment variable and default on one line, then its meaning wrapped
 * and indented below. (The README keeps the Markdown table, settingsTable.)
 */
import type { SettingSpec } from './schema.js';

/** Columns help text fits in (a classic terminal). */
export const HELP_WIDTH = 80;

/**
 * `text` wrapped at word boundaries to `width` columns, every line indented
 * by `indent` spaces (explicit newlines kept). A word longer than the line
 * stands alone on its line, cut only if it alone exceeds the width.
 */
export function wrap(text: string, indent = 0, width = HELP_WIDTH): string {
  const pad = ' '.repeat(indent);
  const room = width - indent;
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter((w) => w !== '')) {
      if (line !== '' && line.length + 1 + word.length > room) {
        out.push(pad + line);
        line = '';
      }
      let w = word;
      while (w.length > room) {
        out.push(pad + w.slice(0, room));
        w = w.slice(room);
      }
      line = line === '' ? w : `${line} ${w}`;
    }
    out.push(pad + line);
  }
  return out.join('\n');
}

/** The default shown for a setting: derived text, else the schema default, else "none". */
function defaultText(key: string, props: Record<string, { default?: unknown }>, derived: Readonly<Record<string, string>>): string {
  const d = props[key]?.default;
  const text = derived[key] ?? (d === undefined ? 'none' : Array.isArray(d) ? (d.length === 0 ? 'none' : JSON.stringify(d)) : String(d));
  return text.replaceAll('`', '');
}

/**
 * Every setting as help text:
 *
 *     --port (CAIRN_PORT), default 3000
 *         TCP port to listen on (0 picks a free port)
 */
export function settingsHelp<K extends string>(
  settings: readonly SettingSpec<K>[],
  schema: { readonly properties: object },
  derived: Readonly<Record<string, string>> = {},
): string {
  const props = schema.properties as Record<string, { default?: unknown }>;
  return settings
    .map((s) => `${wrap(`${s.flag} (${s.env}), default ${defaultText(s.key, props, derived)}`, 2)}\n${wrap(s.help.replaceAll('`', ''), 6)}`)
    .join('\n');
}
