// Which certificate authorities https MCP servers may be signed by: Node's default roots plus the
// PEM file named by BEACON_MCP_CA_FILE (private CAs are common in front of internal MCP servers).
// Node replaces its whole default store — NODE_EXTRA_CA_CERTS included — as soon as a TLS client
// is given a `ca` list, so the list built here re-adds both explicitly. Also which error codes are
// TLS failures, for the prober's classification.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** The PEM certificates in `text`, each checked to parse; throws naming `source` otherwise. */
export function parsePemCertificates(text: string, source: string): string[] {
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    throw new Error(`${source} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  blocks.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new Error(
        `${source}: certificate ${i + 1} of ${blocks.length} does not parse (${err instanceof Error ? err.message : String(err)})`,
        { cause: err },
      );
    }
  });
  return blocks;
}

/** Reads and checks a CA file once (at start-up); the error says which file and why. */
export function readCaFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(`cannot read ${path} (${code})`, { cause: err });
  }
  return parsePemCertificates(text, path);
}

/**
 * Node's bundled roots, NODE_EXTRA_CA_CERTS (Node already warned at start if that file is bad, so
 * a bad one is skipped here) and `extra`: the `ca` list for TLS clients that must trust more.
 */
export function trustedCas(
  extra: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  const nodeExtra: string[] = [];
  const file = env.NODE_EXTRA_CA_CERTS;
  if (file !== undefined && file !== '') {
    try {
      nodeExtra.push(...readCaFile(file));
    } catch {
      // Same as Node: an unreadable NODE_EXTRA_CA_CERTS only costs its certificates.
    }
  }
  return [...rootCertificates, ...nodeExtra, ...extra];
}

// Certificate and handshake failures (OpenSSL verify codes as Node names them, and EPROTO for a
// failed handshake, e.g. plain HTTP on the port). No MCP exchange happened: the transport could
// not connect securely, so they count as `disconnected`, like a refused connection.
/** The chain ends in a CA nobody told us to trust. */
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

const TLS_CODES = new Set([
  ...UNTRUSTED_CODES,
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

/** A certificate or handshake failure (classify() counts it as `disconnected`). */
export const isTlsErrorCode = (code: string): boolean =>
  TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_');

/** The chain ends in a CA nobody told us to trust: BEACON_MCP_CA_FILE is the likely fix. */
export const isUntrustedIssuerCode = (code: string): boolean => UNTRUSTED_CODES.has(code);

/** The certificate was read but refused (expired, revoked, wrong host name, bad signature). */
export const isCertificateErrorCode = (code: string): boolean =>
  !isUntrustedIssuerCode(code) &&
  (TLS_CODES.has(code) || code.startsWith('ERR_TLS_CERT')) &&
  code !== 'EPROTO';
