// The MCP test server's https mode with a throwaway CA (createTestCa): MCP initialize and the
// fault endpoint over TLS for a client trusting the CA, a certificate error for one that does not,
// and down/up as with plain HTTP. The full MCP session over https is the registry's test.
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestCa,
  startMcpTestServer,
  type McpTestServer,
  type TestCa,
} from '@beacon/mcp-fixtures';

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly text: string;
}

function call(
  url: string,
  opts: { method?: string; body?: unknown; ca?: string; accept?: string } = {},
): Promise<Answer> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: opts.method ?? 'GET',
      agent: false,
      ...(opts.ca === undefined ? {} : { ca: opts.ca }),
      headers: {
        accept: opts.accept ?? 'application/json, text/event-stream',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: res.headers['content-type'] ?? '',
          text,
        }),
      );
    });
    req.end(body);
  });
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'tls-test', version: '1.0.0' },
  },
};

let ca: TestCa;
beforeAll(async () => {
  ca = await createTestCa();
});
afterAll(async () => {
  await ca?.remove();
});

describe('MCP test server over https', () => {
  it('serves MCP and the fault switch over TLS; untrusted clients fail; down/up', async () => {
    const server: McpTestServer = await startMcpTestServer({
      name: 'secure_mcp',
      tls: { key: ca.key, cert: ca.cert },
    });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/mcp$/);
      expect(server.faultUrl).toMatch(/^https:/);

      const init = await call(server.url, { method: 'POST', body: initialize, ca: ca.caCert });
      expect(init.status).toBe(200);
      expect(init.text).toContain('"name":"secure_mcp"');

      const info = await call(server.faultUrl, { ca: ca.caCert });
      expect(JSON.parse(info.text)).toMatchObject({ name: 'secure_mcp', listening: true });

      // Node's default roots do not know the throwaway CA.
      await expect(call(server.faultUrl)).rejects.toMatchObject({
        code: expect.stringMatching(/CERT|SELF_SIGNED|VERIFY/) as unknown,
      });

      await server.setFault('down');
      await expect(call(server.faultUrl, { ca: ca.caCert })).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
      await server.setFault('ok');
      expect((await call(server.faultUrl, { ca: ca.caCert })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('serves the HTTP+SSE transport over TLS too', async () => {
    const server = await startMcpTestServer({
      name: 'secure_sse',
      transport: 'sse',
      tls: { key: ca.key, cert: ca.cert },
    });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/sse$/);
      const answer = await new Promise<{ status: number; first: string }>((resolve, reject) => {
        const req = request(server.url, { ca: ca.caCert, agent: false });
        req.once('error', reject);
        req.once('response', (res) => {
          res.setEncoding('utf8');
          res.once('data', (chunk: string) => {
            resolve({ status: res.statusCode ?? 0, first: chunk });
            res.destroy();
          });
        });
        req.end();
      });
      expect(answer.status).toBe(200);
      expect(answer.first).toMatch(/event: endpoint/);
    } finally {
      await server.close();
    }
  });
});
