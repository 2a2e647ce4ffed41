// Loads uWebSockets.js and tells whether the native binary or the package's JS fallback was
// loaded. The trufflesuite build silently falls back to a slow `ws`-based implementation when no
// binary matches this Node ABI (or UWS_USE_FALLBACK is set); an edge on it would miss every
// performance target, so start-up refuses it unless explicitly allowed.
import { createRequire } from 'node:module';
import { sep } from 'node:path';

export type Uws = typeof import('uWebSockets.js');

export interface LoadedUws {
  readonly uws: Uws;
  /** True when the JS fallback (not the native addon) was loaded. */
  readonly fallback: boolean;
  /** Why the fallback was loaded (null when native). */
  readonly reason: string | null;
  /** Path of the native addon that was loaded, when native. */
  readonly binary: string | null;
}

const require = createRequire(import.meta.url);

let loaded: LoadedUws | null = null;

/**
 * The package's loader (src/uws.js) first honours UWS_USE_FALLBACK, then requires
 * `binaries/uws_<platform>_<arch>_<abi>.node` and on failure requires `dist/index.js` (the JS
 * fallback). Whichever it loaded is in require.cache, so we look there rather than re-deriving
 * the ABI rules; the native addon also exports functions the fallback lacks (`SSLApp`).
 */
export function loadUws(): LoadedUws {
  if (loaded !== null) return loaded;
  // The loader prints its own warning on fallback; keep it (it explains the ABI mismatch).
  const uws = require('uWebSockets.js') as Uws;
  const binary =
    Object.keys(require.cache).find(
      (k) => k.endsWith('.node') && k.includes(`${sep}binaries${sep}uws_`),
    ) ?? null;
  const native = binary !== null && typeof (uws as { SSLApp?: unknown }).SSLApp === 'function';
  const forced = ['1', 'true', 'True', 'TRUE'].includes(process.env.UWS_USE_FALLBACK ?? '');
  const reason = native
    ? null
    : forced
      ? 'UWS_USE_FALLBACK is set'
      : `no native binary for Node ABI ${process.versions.modules} on ${process.platform}-${process.arch}`;
  loaded = Object.freeze({ uws, fallback: !native, reason, binary: native ? binary : null });
  return loaded;
}
