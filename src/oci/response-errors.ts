/**
 * A registry's refusal as a LogError. Registries explain themselves with
 * `{"errors":[{"code","message","detail"}]}` (distribution-spec spec.md
 * "Error Codes": MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN, UNAUTHORIZED,
 * DENIED, TOOMANYREQUESTS, …); the first code and message are kept.
 */
import { LogError, type ErrorCode } from '../errors.js';
import type { HttpResponse } from './transport.js';

const MAX_MESSAGE = 300;

/** The error for a non-2xx answer to `method` on `what` at `registry`. */
export function responseError(registry: string, method: string, what: string, res: HttpResponse, withCredentials: boolean): LogError {
  const { registryCode, message } = readErrorBody(res.body);
  const said = `${res.status}${registryCode === undefined ? '' : ` ${registryCode}`}${message === undefined ? '' : `: ${message}`}`;
  const details = { registry, status: res.status, ...(registryCode === undefined ? {} : { registryCode }) };
  const at = `couldn't ${verb(method)} ${what} at ${registry}`;
  let code: ErrorCode;
  let hint = '';
  if (res.status === 401) {
    code = 'REGISTRY_UNAUTHORIZED';
    hint = withCredentials ? ' (the credentials were rejected or lack this permission)' : ' (no credentials are configured for this registry)';
  } else if (res.status === 403) code = 'REGISTRY_DENIED';
  else if (res.status === 404) code = 'REGISTRY_NOT_FOUND';
  else if (res.status === 429 || res.status >= 500) {
    code = 'REGISTRY_UNREACHABLE';
    hint = ' (after every retry)';
  } else code = 'REGISTRY_PROTOCOL';
  return new LogError(code, `${at}: ${said}${hint}`, { details });
}

function verb(method: string): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return 'fetch';
    case 'PUT':
    case 'POST':
    case 'PATCH':
      return 'push';
    default:
      return 'delete';
  }
}

/** Never throws: the body is whatever the registry sent. */
function readErrorBody(body: Uint8Array): { registryCode?: string; message?: string } {
  if (body.length === 0 || body.length > 65_536) return {};
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = Array.isArray(parsed.errors) ? parsed.errors[0] : undefined;
    const registryCode = typeof first?.code === 'string' ? first.code.slice(0, 64) : undefined;
    const message = typeof first?.message === 'string' ? first.message.slice(0, MAX_MESSAGE).replace(/[\r\n]+/g, ' ') : undefined;
    return { ...(registryCode === undefined ? {} : { registryCode }), ...(message === undefined ? {} : { message }) };
  } catch {
    return {};
  }
}
