// HS256 tokens as the edge accepts them (`sub`, `role`, optional `mcps`, `iat`, `exp`), signed with
// node:crypto: the one token minter of every test that talks to an edge.
import { createHmac } from 'node:crypto';

export interface TestTokenClaims {
  readonly sub?: string;
  readonly role?: 'viewer' | 'admin';
  readonly mcps?: readonly string[];
  /** Lifetime from now (default 3600 s); ignored when `exp` is given. */
  readonly expSeconds?: number;
  /** Absolute expiry, seconds since the epoch. */
  readonly exp?: number;
}

/** A signed HS256 JWT; `sub` defaults to `tester`, `role` to `viewer`. */
export async function mintToken(claims: TestTokenClaims, secret: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    role: claims.role ?? 'viewer',
    sub: claims.sub ?? 'tester',
    iat: now,
    exp: claims.exp ?? now + (claims.expSeconds ?? 3600),
  };
  if (claims.mcps !== undefined) payload['mcps'] = claims.mcps;
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(payload)}`;
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('base64url');
  return Promise.resolve(`${body}.${mac}`);
}
