// HS256 JWTs for the local stack, with node:crypto only (this script runs before any package is
// resolvable). The edge verifies them with jose against the same secret.
import { createHmac, randomBytes } from 'node:crypto';

const b64url = (value) => Buffer.from(value).toString('base64url');

/** A random secret long enough for the edge's `BEACON_JWT_SECRET` rule (>= 16 characters). */
export function randomSecret() {
  return randomBytes(32).toString('base64url');
}

/**
 * Sign `claims` (plus `iat`, and `exp` = now + ttlSeconds unless given) with HS256.
 * The secret is used as its UTF-8 bytes, as the edge does.
 */
export function signHs256(claims, secret, ttlSeconds = 24 * 3600) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iat: now, exp: now + ttlSeconds, ...claims };
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(payload));
  const signature = createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${head}.${body}`)
    .digest('base64url');
  return `${head}.${body}.${signature}`;
}
