import { describe, expect, it } from 'vitest';
import { tokenExpiry } from './token.js';

const b64url = (s: string): string =>
  btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const jwt = (claims: object): string =>
  `${b64url('{"alg":"HS256"}')}.${b64url(JSON.stringify(claims))}.sig`;

describe('tokenExpiry', () => {
  it('reads exp (seconds) as epoch milliseconds', () => {
    expect(tokenExpiry(jwt({ sub: 'ann', exp: 1_900_000_000 }))).toBe(1_900_000_000_000);
    // Base64url characters (- and _) in the payload decode correctly.
    expect(tokenExpiry(jwt({ sub: '>>>???', exp: 42 }))).toBe(42_000);
  });

  it('returns null for tokens without exp or that are not JWTs', () => {
    expect(tokenExpiry(jwt({ sub: 'x' }))).toBeNull();
    expect(tokenExpiry('opaque-token')).toBeNull();
    expect(tokenExpiry('a.%%%.c')).toBeNull();
  });
});
