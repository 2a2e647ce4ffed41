// BEACON_MCP_CA_FILE is read and checked once at start-up: a missing file, a file without
// certificates or a corrupt certificate fail loadConfig naming the variable; a good file yields
// its certificates, and the trust list keeps Node's roots beside them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { loadConfig } from '@beacon/runtime';
import { describe, expect, it } from 'vitest';
import { RegistryConfig } from './config.js';
import {
  isTlsErrorCode,
  isUntrustedIssuerCode,
  parsePemCertificates,
  trustedCas,
} from './tls-trust.js';

const dir = mkdtempSync(join(tmpdir(), 'beacon-reg-ca-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
// Real certificates to stand in for a private CA bundle (any valid PEM will do).
const twoCerts = `# comment lines are fine\n${rootCertificates[0]}\n${rootCertificates[1]}\n`;

describe('BEACON_MCP_CA_FILE', () => {
  it('is optional', () => {
    expect(loadConfig(RegistryConfig, {}).BEACON_MCP_CA_FILE).toBeUndefined();
  });

  it('reads the certificates once, at load', () => {
    const path = file('bundle.pem', twoCerts);
    const config = loadConfig(RegistryConfig, { BEACON_MCP_CA_FILE: path });
    expect(config.BEACON_MCP_CA_FILE).toEqual({
      file: path,
      certificates: [rootCertificates[0], rootCertificates[1]],
    });
  });

  it.each([
    [
      'a missing file',
      join(dir, 'missing.pem'),
      /BEACON_MCP_CA_FILE.*cannot read .*missing\.pem \(ENOENT\)/,
    ],
    ['a directory', dir, /BEACON_MCP_CA_FILE.*cannot read .* \(EISDIR\)/],
    [
      'no certificate',
      file('empty.pem', 'not a certificate\n'),
      /BEACON_MCP_CA_FILE.*holds no PEM certificate/,
    ],
    [
      'a corrupt certificate',
      file(
        'corrupt.pem',
        `${rootCertificates[0]}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`,
      ),
      /BEACON_MCP_CA_FILE.*certificate 2 of 2 does not parse/,
    ],
  ])('fails naming the variable for %s', (_what, path, message) => {
    expect(() => loadConfig(RegistryConfig, { BEACON_MCP_CA_FILE: path })).toThrow(message);
  });
});

describe('trustedCas', () => {
  it("keeps Node's roots and NODE_EXTRA_CA_CERTS beside the extra certificates", () => {
    const extra = parsePemCertificates(twoCerts, 'bundle');
    const nodeExtra = file('node-extra.pem', rootCertificates[2]!);
    const list = trustedCas(extra, { NODE_EXTRA_CA_CERTS: nodeExtra });
    expect(list).toHaveLength(rootCertificates.length + 1 + 2);
    expect(list.slice(-3)).toEqual([rootCertificates[2], ...extra]);
    // An unreadable NODE_EXTRA_CA_CERTS only costs its own certificates (Node warned at start).
    expect(trustedCas(extra, { NODE_EXTRA_CA_CERTS: join(dir, 'nope') })).toHaveLength(
      rootCertificates.length + 2,
    );
  });
});

describe('TLS error codes', () => {
  it('tells certificate/handshake failures from network ones', () => {
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'EPROTO'])
      expect(isTlsErrorCode(code)).toBe(true);
    expect(isTlsErrorCode('ERR_SSL_WRONG_VERSION_NUMBER')).toBe(true);
    expect(isTlsErrorCode('ERR_TLS_CERT_ALTNAME_INVALID')).toBe(true);
    expect(isTlsErrorCode('ECONNREFUSED')).toBe(false);
    expect(isUntrustedIssuerCode('SELF_SIGNED_CERT_IN_CHAIN')).toBe(true);
    expect(isUntrustedIssuerCode('CERT_HAS_EXPIRED')).toBe(false);
  });
});
