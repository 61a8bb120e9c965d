/** Reading stored canonical bodies back for API responses. */
import { LogError } from '../errors.js';
import { isObject, type JsonObject } from './fields.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The JSON object a stored canonical body encodes (`{apiVersion, kind, spec}`).
 * Bodies come from the store, so a body that is not a UTF-8 JSON object is
 * reported as LogError('CORRUPT').
 */
export function decodeBody(body: Uint8Array): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch (err) {
    throw new LogError('CORRUPT', `couldn't decode entry body: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(value)) throw new LogError('CORRUPT', "couldn't decode entry body: not a JSON object");
  return value;
}
