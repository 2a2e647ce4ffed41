import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BeaconError } from '@beacon/protocol';
import { exportJWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { cookieValue, createAuthenticator, extractToken, originAllowed } from './auth.js';
import type { AuthConfig } from './config.js';

const SECRET = 'unit-test-secret-0123456789';
const config = (o: Partial<AuthConfig> = {}): AuthConfig => ({
  enabled: true,
  secret: SECRET,
  publicKeyFile: undefined,
  jwksFile: undefined,
  issuer: undefined,
  audience: undefined,
  ...o,
});
const now = () => Math.floor(Date.now() / 1000);
const hs = (claims: Record<string, unknown>, exp = now() + 60) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(SECRET));

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(BeaconError);
    return (err as BeaconError).message;
  }
}

describe('authenticator', () => {
  it('verifies HS256 tokens into a principal with a name filter', async () => {
    const auth = createAuthenticator(config());
    const p = await auth.verify(await hs({ sub: 'u', role: 'viewer', mcps: ['a-*'] }));
    expect(p).toMatchObject({ sub: 'u', role: 'viewer', mcps: ['a-*'] });
    expect(p.filter('a-1')).toBe(true);
    expect(p.filter('b')).toBe(false);
  });

  it('explains failures: missing, expired, bad claims, wrong key', async () => {
    const auth = createAuthenticator(config());
    expect(await reason(auth.verify(null))).toBe('missing token');
    expect(await reason(auth.verify(await hs({ sub: 'u', role: 'viewer' }, now() - 5)))).toBe(
      'token expired',
    );
    expect(await reason(auth.verify(await hs({ sub: 'u', role: 'owner' })))).toMatch(/role/);
    expect(await reason(auth.verify(await hs({ role: 'viewer' })))).toMatch(/sub/);
    const other = createAuthenticator(config({ secret: 'another-secret-0123456789' }));
    expect(await reason(other.verify(await hs({ sub: 'u', role: 'viewer' })))).toBe(
      'bad token signature',
    );
  });

  it('caches verified tokens and still expires them', async () => {
    let clock = Date.now();
    const auth = createAuthenticator(config(), () => clock);
    const token = await hs({ sub: 'u', role: 'admin' }, now() + 2);
    expect(auth.cached(token)).toBeNull();
    await auth.verify(token);
    expect(auth.cached(token)?.sub).toBe('u');
    clock += 5_000;
    expect(() => auth.cached(token)).toThrow(/expired/);
  });

  it('verifies with a public key file or a JWKS file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-auth-'));
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = join(dir, 'pub.pem');
    writeFileSync(pem, publicKey.export({ type: 'spki', format: 'pem' }));
    const token = await new SignJWT({ sub: 'k', role: 'admin' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime(now() + 60)
      .sign(privateKey);
    expect(
      (await createAuthenticator(config({ secret: undefined, publicKeyFile: pem })).verify(token))
        .sub,
    ).toBe('k');
    const jwks = join(dir, 'jwks.json');
    writeFileSync(
      jwks,
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }),
    );
    expect(
      (await createAuthenticator(config({ secret: undefined, jwksFile: jwks })).verify(token)).role,
    ).toBe('admin');
  });

  it('is an anonymous admin when off', async () => {
    const auth = createAuthenticator(config({ enabled: false, secret: undefined }));
    expect((await auth.verify(null)).role).toBe('admin');
  });
});

describe('request helpers', () => {
  it('extracts the token from header, query, then cookie', () => {
    expect(
      extractToken({ authorization: 'Bearer abc', queryToken: 'q', cookie: 'beacon_token=c' }),
    ).toBe('abc');
    expect(extractToken({ authorization: '', queryToken: 'q', cookie: 'beacon_token=c' })).toBe(
      'q',
    );
    expect(
      extractToken({ authorization: 'Basic x', queryToken: '', cookie: 'a=1; beacon_token=c%2B' }),
    ).toBe('c+');
    expect(extractToken({ authorization: '', queryToken: '', cookie: '' })).toBeNull();
    expect(cookieValue('beacon_token="q"', 'beacon_token')).toBe('q');
  });

  it('checks origins: none allowed, listed, *, or same host by default', () => {
    expect(originAllowed('', 'h:1', ['https://a.example'])).toBe(true);
    expect(originAllowed('https://a.example', 'h:1', ['https://a.example'])).toBe(true);
    expect(originAllowed('https://b.example', 'h:1', ['https://a.example'])).toBe(false);
    expect(originAllowed('https://b.example', 'h:1', ['*'])).toBe(true);
    expect(originAllowed('http://h:1', 'h:1', [])).toBe(true);
    expect(originAllowed('http://evil:1', 'h:1', [])).toBe(false);
    expect(originAllowed('null', 'h:1', [])).toBe(false);
  });
});
