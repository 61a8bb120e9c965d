/** One entry point for every key source: a file path or a PKCS#11 URI. */
import { openFileKey } from './file-key.js';
import { openPkcs11Key } from './pkcs11-key.js';
import type { SigningKey } from './types.js';

/**
 * Opens the signing key `ref`: an RFC 7512 `pkcs11:` URI (the key stays in
 * the token; `passphrase` is unused, the PIN comes from the URI), or else a
 * file path holding a PEM PKCS#8 private key, encrypted with `passphrase` if
 * it is (see openFileKey for what is accepted). Rejects with LogError
 * KEY_INVALID (the reference, key, passphrase or PIN is wrong) or
 * KEY_UNAVAILABLE (the key source failed). The caller MUST close() the key.
 */
export async function openSigningKey(ref: string, opts?: { passphrase?: string }): Promise<SigningKey> {
  if (/^pkcs11:/i.test(ref)) return openPkcs11Key(ref);
  return openFileKey(ref, opts?.passphrase);
}
