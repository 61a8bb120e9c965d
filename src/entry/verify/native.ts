/**
 * Loader of the native prehashed-ECDSA addon (`native/ecdsa_prehash.c`),
 * which `npm ci` builds into `build/Release/ecdsa_prehash.node` at the
 * repository root (`scripts/build-native.mjs`; a failed build only warns).
 *
 * The addon is loaded once per thread, on first use (each worker thread
 * loads its own instance). When it cannot be loaded, callers fall back to the
 * JS verifier and {@link prehashedEcdsaImplementation} reports `'js'`, with
 * the reason in {@link prehashedEcdsaFallbackReason}; nothing is logged here
 * (the entry layer does no I/O), so the server MUST log and report those.
 *
 * A deployment that must never fall back calls {@link requireNativeEcdsa}
 * (CI sets `CAIRN_REQUIRE_NATIVE=1`; the composition root maps it to that
 * call, as this pure layer does not read the environment).
 */
import { createRequire } from 'node:module';
import { describeError, LogError } from '../../errors.js';
import type { CurveName } from './curves.js';

/** The addon's exports (contract in native/ecdsa_prehash.c). */
export interface NativeEcdsaBinding {
  /**
   * True iff `rs` (r ‖ s, each the curve's scalar size, big-endian) is a
   * valid ECDSA signature by `point` (uncompressed `04 ‖ x ‖ y`) over
   * `digest` (SEC 1 §4.1.4, bits2int truncation). Throws TypeError on
   * arguments of the wrong type or length; never for an invalid signature.
   */
  verify(curve: CurveName, point: Uint8Array, digest: Uint8Array, rs: Uint8Array): boolean;
}

export type PrehashedEcdsaImplementation = 'native' | 'js';

type Loaded = { readonly binding: NativeEcdsaBinding } | { readonly binding: undefined; readonly reason: string };

const ADDON = 'build/Release/ecdsa_prehash.node';

let loaded: Loaded | undefined;
let required = false;

/**
 * The addon, or undefined when it cannot be loaded (the caller then uses the
 * JS path). Throws LogError INTERNAL instead once {@link requireNativeEcdsa}
 * has been called.
 */
export function nativeEcdsaBinding(): NativeEcdsaBinding | undefined {
  const result = (loaded ??= load());
  if (result.binding === undefined && required) {
    throw new LogError('INTERNAL', `couldn't load the native ECDSA verifier, which is required (CAIRN_REQUIRE_NATIVE=1): ${result.reason}`);
  }
  return result.binding;
}

/** Which implementation `verifyEcdsaPrehashed` uses in this thread (loads the addon if not yet tried). */
export function prehashedEcdsaImplementation(): PrehashedEcdsaImplementation {
  return (loaded ??= load()).binding === undefined ? 'js' : 'native';
}

/** Why the JS fallback is active (one line), or undefined when the addon is loaded. */
export function prehashedEcdsaFallbackReason(): string | undefined {
  const result = (loaded ??= load());
  return result.binding === undefined ? result.reason : undefined;
}

/**
 * Makes the fallback an error in this thread: throws LogError INTERNAL now
 * if the addon cannot be loaded, and so does every later verification.
 * Worker threads that verify entries MUST call it too.
 */
export function requireNativeEcdsa(): void {
  required = true;
  nativeEcdsaBinding();
}

function load(): Loaded {
  try {
    const binding: unknown = createRequire(import.meta.url)(addonSpecifier());
    if (typeof (binding as Partial<NativeEcdsaBinding> | null)?.verify !== 'function') {
      return { binding: undefined, reason: `${ADDON} does not export verify()` };
    }
    return { binding: binding as NativeEcdsaBinding };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === 'MODULE_NOT_FOUND' ? 'not built (npm ci builds it; it needs python3, make and a C compiler)' : describeError(err);
    return { binding: undefined, reason: `${ADDON}: ${why}`.split('\n')[0] as string };
  }
}

/**
 * The addon's path relative to this module. Compiled code runs from
 * `dist/src/entry/verify/`, four levels below the root; the source sits
 * three levels below it. Decided from the module URL alone: no file
 * system probing, and no chance of picking up a file outside the repository.
 */
function addonSpecifier(): string {
  const here = new URL('.', import.meta.url).pathname;
  return (here.endsWith('/dist/src/entry/verify/') ? '../../../../' : '../../../') + ADDON;
}
