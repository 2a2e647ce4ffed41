// A throwaway private CA and a server certificate it signs (for 127.0.0.1 and localhost), made
// with the `openssl` CLI in a fresh temp dir, so https MCP test servers look like production ones
// behind a private CA. Keys are EC P-256, valid for two days; `remove()` deletes the dir. Without
// openssl this fails with a clear error (writing X.509 by hand is not worth it for tests).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCa {
  readonly dir: string;
  /** The CA certificate (PEM) clients must trust, and the file holding it. */
  readonly caCert: string;
  readonly caFile: string;
  /** The server's key and certificate (PEM): `startMcpTestServer({ tls: { key, cert } })`. */
  readonly key: string;
  readonly cert: string;
  remove(): Promise<void>;
}

// `req -x509` would add the system openssl.cnf's extensions; these files say exactly what we mean.
const CA_CONFIG = `[req]
distinguished_name = dn
x509_extensions = ca_ext
prompt = no
[dn]
CN = Beacon throwaway test CA
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
`;

const SERVER_EXT = `basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
authorityKeyIdentifier = keyid
`;

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('createTestCa needs the openssl CLI on PATH (not found)', { cause: err });
    }
    throw new Error(`openssl ${args[0] ?? ''} failed: ${e.stderr?.trim() ?? e.message}`, {
      cause: err,
    });
  }
}

/** A fresh CA + server certificate for 127.0.0.1/localhost in a temp dir. */
export async function createTestCa(): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'beacon-test-ca-'));
  try {
    await writeFile(join(dir, 'ca.cnf'), CA_CONFIG);
    await writeFile(join(dir, 'server.ext'), SERVER_EXT);
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await openssl(
      ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2'].concat([
        '-config',
        'ca.cnf',
      ]),
      dir,
    );
    await openssl(
      ['req', '-new', ...ec, '-keyout', 'server.key', '-out', 'server.csr'].concat([
        '-config',
        'ca.cnf',
        '-subj',
        '/CN=localhost',
      ]),
      dir,
    );
    await openssl(
      ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key'].concat(
        ['-set_serial', '0x' + Date.now().toString(16), '-days', '2'],
        ['-extfile', 'server.ext', '-out', 'server.pem'],
      ),
      dir,
    );
    const [caCert, key, cert] = await Promise.all(
      ['ca.pem', 'server.key', 'server.pem'].map((f) => readFile(join(dir, f), 'utf8')),
    );
    return Object.freeze({
      dir,
      caCert: caCert!,
      caFile: join(dir, 'ca.pem'),
      key: key!,
      cert: cert!,
      remove: () => rm(dir, { recursive: true, force: true }),
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
