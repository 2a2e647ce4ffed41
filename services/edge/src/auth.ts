// Who is calling: JWT verification (jose), token extraction from a request, the Origin
// allow-list. Claims are validated with zod; every failure is a BeaconError whose code the
// transports map to 401/403 (HTTP) or close codes (WebSocket).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  BeaconError,
  describeIssues,
  issuesOf,
  nameFilter,
  type NameFilter,
} from '@beacon/protocol';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import type { AuthConfig } from './config.js';

export const Role = z.enum(['viewer', 'admin']);
export type Role = z.infer<typeof Role>;

export const TokenClaims = z.object({
  sub: z.string().min(1).max(256),
  role: Role,
  mcps: z.array(z.string().min(1).max(130)).max(10_000).optional(),
  exp: z.number().int().positive(),
});

export interface Principal {
  readonly sub: string;
  readonly role: Role;
  /** Name patterns the token may see; null = every MCP. */
  readonly mcps: readonly string[] | null;
  /** Expiry in epoch seconds; null = never (auth off). */
  readonly exp: number | null;
  readonly filter: NameFilter;
}

/** The token's `mcps` claim narrows what it sees (fleet-wide figures are not for it). */
export const isScoped = (p: Principal): boolean => p.mcps !== null && !p.mcps.includes('*');

export const ANONYMOUS: Principal = Object.freeze({
  sub: 'anonymous',
  role: 'admin',
  mcps: null,
  exp: null,
  filter: nameFilter(null),
});

export interface Authenticator {
  readonly enabled: boolean;
  /** Verify a token; throws BeaconError('unauthorized') with a reason a client can act on. */
  verify(token: string | null): Promise<Principal>;
  /**
   * Synchronous answer for a token verified before (still cached): the principal, or null
   * when it must go through verify(). Throws like verify() for a cached token that expired.
   */
  cached(token: string | null): Principal | null;
}

type KeySource =
  | { readonly key: Uint8Array | KeyObject; readonly algorithms: string[] }
  | {
      readonly getKey: JWTVerifyGetKey;
    };

function algorithmsFor(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec':
      return ['ES256', 'ES384', 'ES512'];
    case 'ed25519':
    case 'ed448':
      return ['EdDSA', 'Ed25519'];
    default:
      throw new BeaconError(
        'config',
        `unsupported public key type ${String(key.asymmetricKeyType)}`,
      );
  }
}

function keySource(config: AuthConfig): KeySource {
  if (config.secret !== undefined) {
    return { key: new TextEncoder().encode(config.secret), algorithms: ['HS256'] };
  }
  if (config.publicKeyFile !== undefined) {
    try {
      const key = createPublicKey(readFileSync(config.publicKeyFile, 'utf8'));
      return { key, algorithms: algorithmsFor(key) };
    } catch (err) {
      if (err instanceof BeaconError) throw err;
      throw new BeaconError('config', `BEACON_JWT_PUBLIC_KEY_FILE: cannot read a public key`, {
        cause: err,
      });
    }
  }
  if (config.jwksFile !== undefined) {
    try {
      const jwks = JSON.parse(readFileSync(config.jwksFile, 'utf8')) as Parameters<
        typeof createLocalJWKSet
      >[0];
      return { getKey: createLocalJWKSet(jwks) };
    } catch (err) {
      throw new BeaconError('config', `BEACON_JWKS_FILE: not a JSON Web Key Set`, { cause: err });
    }
  }
  throw new BeaconError('config', 'BEACON_JWT_SECRET: required while auth is on');
}

/** An expired token: a client can refresh and retry (`token_expired` on the wire). */
export class TokenExpired extends BeaconError {
  constructor(options: { cause?: unknown } = {}) {
    super('unauthorized', 'token expired', options);
  }
}

function reason(err: unknown): string {
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad token signature';
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `token claim ${err.claim}: ${err.reason}`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof joseErrors.JOSEError) return `invalid token (${err.code})`;
  return 'invalid token';
}

/** Bounded cache of verified tokens: a reconnect storm re-presents the same tokens. */
const CACHE_MAX = 10_000;

export function createAuthenticator(
  config: AuthConfig,
  now: () => number = Date.now,
): Authenticator {
  if (!config.enabled) {
    return Object.freeze({
      enabled: false,
      verify: () => Promise.resolve(ANONYMOUS),
      cached: () => ANONYMOUS,
    });
  }
  const source = keySource(config);
  const cache = new Map<string, Principal>();
  const options = {
    ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
    ...(config.audience === undefined ? {} : { audience: config.audience }),
    requiredClaims: ['sub', 'exp'],
  };

  async function verifyUncached(token: string): Promise<Principal> {
    let payload: unknown;
    try {
      const result =
        'getKey' in source
          ? await jwtVerify(token, source.getKey, options)
          : await jwtVerify(token, source.key, { ...options, algorithms: source.algorithms });
      payload = result.payload;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new TokenExpired({ cause: err });
      throw new BeaconError('unauthorized', reason(err), { cause: err });
    }
    const parsed = TokenClaims.safeParse(payload);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error);
      throw new BeaconError('unauthorized', `token claims invalid: ${describeIssues(issues)}`, {
        issues,
      });
    }
    const c = parsed.data;
    const mcps = c.mcps ?? null;
    return Object.freeze({ sub: c.sub, role: c.role, mcps, exp: c.exp, filter: nameFilter(mcps) });
  }

  function cached(token: string | null): Principal | null {
    if (token === null || token === '') throw new BeaconError('unauthorized', 'missing token');
    const hit = cache.get(token);
    if (hit === undefined) return null;
    if ((hit.exp ?? Infinity) * 1000 > now()) return hit;
    cache.delete(token);
    throw new TokenExpired();
  }

  return Object.freeze({
    enabled: true,
    cached,
    async verify(token: string | null): Promise<Principal> {
      const hit = cached(token);
      if (hit !== null) return hit;
      const t = token as string;
      if (t.length > 16_384) throw new BeaconError('unauthorized', 'token too long');
      const principal = await verifyUncached(t);
      if (cache.size >= CACHE_MAX) {
        const oldest = cache.keys().next();
        if (oldest.done !== true) cache.delete(oldest.value);
      }
      cache.set(t, principal);
      return principal;
    },
  });
}

/** Token from `Authorization: Bearer`, else the `token` query parameter, else the cookie. */
export function extractToken(parts: {
  readonly authorization: string;
  readonly queryToken: string;
  readonly cookie: string;
}): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(parts.authorization);
  if (m?.[1] !== undefined) return m[1];
  if (parts.queryToken !== '') return parts.queryToken;
  return cookieValue(parts.cookie, 'beacon_token');
}

export function cookieValue(header: string, name: string): string | null {
  if (header === '') return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw);
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Requests without `Origin` (non-browser clients) are allowed. With an allow-list, the origin
 * must be on it (or the list is `*`); without one, only the edge's own host may connect.
 */
export function originAllowed(origin: string, host: string, allowed: readonly string[]): boolean {
  if (origin === '') return true;
  const o = origin.toLowerCase().replace(/\/+$/, '');
  if (allowed.length > 0) return allowed.some((a) => a === '*' || a.toLowerCase() === o);
  try {
    return new URL(o).host === host.toLowerCase();
  } catch {
    return false;
  }
}

export function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') {
    throw new BeaconError(
      'forbidden',
      `role ${principal.role} may not change the fleet (admin only)`,
    );
  }
}
