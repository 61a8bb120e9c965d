/**
 * The web explorer's static files (web/, built into dist/www by `npm run
 * build`; nothing is built at serve time):
 *   GET /                the page (index.html)
 *   GET /assets/<path>   its scripts, styles and the vendored @noble modules
 *
 * The files are read once, on the first request, and served from memory;
 * only files found under the directory are served, so no path can leave it.
 * Every answer carries an ETag and `Cache-Control: no-cache` (browsers keep
 * the file and revalidate it: an If-None-Match that matches gets a 304, so
 * an upgraded log never mixes old and new modules), and a Content Security
 * Policy allowing nothing but this origin: the page makes no third-party
 * request and runs no inline script.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogError } from '../../errors.js';
import type { Reply } from '../reply.js';
import { get, type RequestParts, type Route } from '../route.js';

/** The policy every explorer answer carries. */
export const EXPLORER_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '': 'text/plain; charset=utf-8',
};

interface StaticFile {
  readonly type: string;
  readonly body: Uint8Array;
  readonly etag: string;
}

/** dist/www next to this module's dist/src (dist/src/http/routes/explorer.js → dist/www). */
export function defaultExplorerDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'www');
}

/** The explorer's routes over the files in `dir` (default {@link defaultExplorerDir}). */
export function explorerRoutes(dir: string = defaultExplorerDir()): Route[] {
  let files: Map<string, StaticFile> | undefined;
  const serve = (name: string, req: RequestParts): Reply => {
    files ??= load(dir);
    const file = files.get(name);
    if (file === undefined) {
      if (files.size === 0) throw new LogError('NOT_FOUND', `the web explorer is not built (no files in ${dir}): run npm run build`);
      throw new LogError('NOT_FOUND', `no explorer file ${JSON.stringify(name.slice(0, 200))}`);
    }
    const headers = {
      'Content-Type': file.type,
      'Cache-Control': 'no-cache',
      ETag: file.etag,
      'Content-Security-Policy': EXPLORER_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    };
    const match = req.headers['if-none-match'];
    if (typeof match === 'string' && match.split(/\s*,\s*/).includes(file.etag)) return { status: 304, headers, body: '' };
    return { status: 200, headers, body: file.body };
  };
  return [get('/', (req) => serve('index.html', req)), get('/assets/*', (req) => serve(decodePath(req.path.slice('/assets/'.length)), req))];
}

function decodePath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

function load(dir: string): Map<string, StaticFile> {
  const out = new Map<string, StaticFile>();
  if (!existsSync(dir)) return out;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !e.name.endsWith('.map')) {
        const body = new Uint8Array(readFileSync(p));
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
        out.set(relative(dir, p).split(sep).join('/'), { type: TYPES[extname(p)] ?? 'application/octet-stream', body, etag });
      }
    }
  };
  walk(dir);
  return out;
}
