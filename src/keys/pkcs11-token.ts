/**
 * Reaching a token named by a PKCS#11 URI: the slot whose token matches every
 * token/slot/library attribute of the URI (RFC 7512 §2.3), a session on it,
 * and a user login with the URI's PIN.
 */
import { readFileSync } from 'node:fs';
import type * as Pkcs11js from 'pkcs11js';
import { LogError, describeError } from '../errors.js';
import { acquireModule, ckr, handleNumber, releaseModule, resolveModulePath, type Handle, type Module } from './pkcs11-module.js';
import type { Pkcs11Uri } from './types.js';

/** An open, logged-in session. close() MUST be called once; it closes the session and releases the module. */
export interface TokenSession {
  readonly module: Module;
  readonly session: Handle;
  /** The token's label, for messages. */
  readonly label: string;
  close(): void;
}

/**
 * Opens a session (read-write when `readWrite`) on the one token the URI
 * selects and logs the user in. KEY_INVALID when no token or several match
 * (the message lists those present), when the token needs a PIN and the URI
 * gives none, or when the PIN is wrong or locked.
 */
export function openTokenSession(uri: Pkcs11Uri, readWrite: boolean, opts: { loginOptional?: boolean } = {}): TokenSession {
  const module = acquireModule(resolveModulePath(uri));
  let session: Handle | undefined;
  try {
    checkLibrary(module, uri);
    const { slot, token } = findSlot(module, uri);
    const { p11, binding } = module;
    const label = token.label.trimEnd();
    session = p11.C_OpenSession(slot, binding.CKF_SERIAL_SESSION | (readWrite ? binding.CKF_RW_SESSION : 0));
    login(module, session, token, label, uri, opts.loginOptional === true);
    const opened = session;
    let closed = false;
    return {
      module,
      session: opened,
      label,
      close(): void {
        if (closed) return;
        closed = true;
        try {
          p11.C_CloseSession(opened); // closing the application's last session on the token logs it out
        } finally {
          releaseModule(module);
        }
      },
    };
  } catch (err) {
    if (session !== undefined) {
      try {
        module.p11.C_CloseSession(session);
      } catch {
        /* already failing */
      }
    }
    releaseModule(module);
    throw err instanceof LogError ? err : new LogError('KEY_UNAVAILABLE', `couldn't open the PKCS#11 token: ${describeError(err)}`, { cause: err });
  }
}

function checkLibrary(module: Module, uri: Pkcs11Uri): void {
  if (uri.libraryDescription === undefined && uri.libraryManufacturer === undefined && uri.libraryVersion === undefined) return;
  const info = module.p11.C_GetInfo();
  const ok =
    matches(uri.libraryDescription, info.libraryDescription) &&
    matches(uri.libraryManufacturer, info.manufacturerID) &&
    (uri.libraryVersion === undefined || (uri.libraryVersion.major === info.libraryVersion.major && uri.libraryVersion.minor === info.libraryVersion.minor));
  if (!ok) throw new LogError('KEY_INVALID', `the PKCS#11 module ${module.path} ("${info.libraryDescription.trimEnd()}" ${info.libraryVersion.major}.${info.libraryVersion.minor}) does not match the URI's library attributes`);
}

/** An unset attribute matches anything; a set one matches the blank-padded PKCS#11 field exactly (RFC 7512 §2.3). */
function matches(wanted: string | undefined, field: string): boolean {
  return wanted === undefined || wanted === field.trimEnd();
}

function findSlot(module: Module, uri: Pkcs11Uri): { slot: Handle; token: Pkcs11js.TokenInfo } {
  const { p11 } = module;
  // Uninitialized tokens (SoftHSM's free slot, a blank card) hold no keys: never match or list them.
  const present = p11
    .C_GetSlotList(true)
    .map((slot) => ({ slot, token: p11.C_GetTokenInfo(slot), info: p11.C_GetSlotInfo(slot) }))
    .filter(({ token }) => (token.flags & module.binding.CKF_TOKEN_INITIALIZED) !== 0);
  const hits = present.filter(
    ({ slot, token, info }) =>
      matches(uri.token, token.label) &&
      matches(uri.manufacturer, token.manufacturerID) &&
      matches(uri.serial, token.serialNumber) &&
      matches(uri.model, token.model) &&
      matches(uri.slotDescription, info.slotDescription) &&
      matches(uri.slotManufacturer, info.manufacturerID) &&
      (uri.slotId === undefined || uri.slotId === handleNumber(slot)),
  );
  const listing = present.map(({ slot, token }) => `"${token.label.trimEnd()}" (serial ${token.serialNumber.trimEnd()}, slot-id ${handleNumber(slot)})`).join(', ');
  const [only, second] = hits;
  if (only === undefined) {
    throw new LogError('KEY_INVALID', `no token in ${module.path} matches the URI (tokens present: ${listing === '' ? 'none' : listing})`);
  }
  if (second !== undefined) throw new LogError('KEY_INVALID', `${hits.length} tokens match the URI; add token=, serial= or slot-id= (tokens present: ${listing})`);
  return only;
}

function login(module: Module, session: Handle, token: Pkcs11js.TokenInfo, label: string, uri: Pkcs11Uri, optional: boolean): void {
  const { p11, binding } = module;
  const protectedPath = (token.flags & binding.CKF_PROTECTED_AUTHENTICATION_PATH) !== 0;
  const pin = readPin(uri);
  if (pin === undefined && (optional || !protectedPath)) {
    // Without a PIN, public objects can still be read (`loginOptional`, for verifiers).
    if (optional || (token.flags & binding.CKF_LOGIN_REQUIRED) === 0) return;
    throw new LogError('KEY_INVALID', `token "${label}" needs a PIN: add ?pin-source=file:/path/to/pin (or pin-value=…) to the URI`);
  }
  try {
    if (pin === undefined) p11.C_Login(session, binding.CKU_USER);
    else p11.C_Login(session, binding.CKU_USER, pin);
  } catch (err) {
    switch (ckr(err)) {
      case 'CKR_USER_ALREADY_LOGGED_IN': // another key of this process is open on the token
        return;
      case 'CKR_PIN_INCORRECT':
        throw new LogError('KEY_INVALID', `couldn't log in to token "${label}": wrong PIN`);
      case 'CKR_PIN_LOCKED':
        throw new LogError('KEY_INVALID', `couldn't log in to token "${label}": the PIN is locked (too many wrong PINs); the security officer must reset it`);
      case 'CKR_PIN_LEN_RANGE':
        throw new LogError('KEY_INVALID', `couldn't log in to token "${label}": the PIN has the wrong length`);
      case 'CKR_USER_PIN_NOT_INITIALIZED':
        throw new LogError('KEY_INVALID', `couldn't log in to token "${label}": its user PIN was never set`);
      default:
        throw new LogError('KEY_UNAVAILABLE', `couldn't log in to token "${label}": ${describeError(err).split('\n')[0] ?? ''}`);
    }
  }
}

/**
 * The PIN: `pin-value`, or the contents of `pin-source` (a `file:` URI or a
 * path; one trailing newline is dropped). KEY_INVALID when the file is
 * unreadable or empty, or pin-source has another scheme.
 */
export function readPin(uri: Pkcs11Uri): string | undefined {
  if (uri.pinValue !== undefined) return uri.pinValue;
  const source = uri.pinSource;
  if (source === undefined) return undefined;
  let path = source;
  if (/^[a-z][a-z0-9+.-]*:/i.test(source)) {
    if (!/^file:/i.test(source)) throw new LogError('KEY_INVALID', `pin-source ${source}: only file: URIs and paths are supported`);
    // The URI parser already percent-decoded the value: take the path as it stands.
    const m = /^file:(?:\/\/(?:localhost)?(?=\/))?(.+)$/i.exec(source);
    if (m?.[1] === undefined) throw new LogError('KEY_INVALID', `pin-source ${source} is not a usable file: URI (file:/path/to/pin)`);
    path = m[1];
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LogError('KEY_INVALID', `couldn't read the PIN file ${path} (pin-source): ${describeError(err)}`);
  }
  const pin = text.replace(/\r?\n$/, '');
  if (pin === '') throw new LogError('KEY_INVALID', `the PIN file ${path} (pin-source) is empty`);
  return pin;
}
