// last_error's fixed vocabulary: nothing a server said (body, reason phrase) and no fine
// connection detail (address, refused vs reset) reaches it.
import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { DestinationDeniedError } from './destination-policy.js';
import { classify, ConnectFailure, httpStatusText, ProbeDeadline } from './probe-errors.js';

const SECRET = 'AKIA-SECRET-FROM-THE-BODY';
const withCode = (message: string, code: string): Error =>
  Object.assign(new Error(message), { code });
const before = (err: unknown) => classify(new ConnectFailure(err));

describe('classify', () => {
  it('HTTP errors: status and the standard reason, never the body', () => {
    expect(classify(new StreamableHTTPError(500, `Error POSTing to endpoint: ${SECRET}`))).toEqual({
      outcome: 'error',
      message: 'HTTP 500 Internal Server Error',
      dropSession: false,
    });
    expect(before(new StreamableHTTPError(405, SECRET)).message).toBe(
      'HTTP 405 Method Not Allowed',
    );
    expect(before(new StreamableHTTPError(404, SECRET))).toMatchObject({ dropSession: true });
    expect(before(new StreamableHTTPError(-1, `Unexpected content type: ${SECRET}`))).toMatchObject(
      { outcome: 'error', message: 'invalid response' },
    );
    // The SDK's SSE transport: a plain Error with the body after the status.
    expect(before(new Error(`Error POSTing to endpoint (HTTP 403): ${SECRET}`)).message).toBe(
      'HTTP 403 Forbidden',
    );
    expect(
      before(new SseError(502, 'Non-200 status code (502)', undefined as never)),
    ).toMatchObject({
      outcome: 'error',
      message: 'HTTP 502 Bad Gateway',
    });
    expect(before(new SseError(200, 'Invalid content type', undefined as never)).message).toBe(
      'invalid response',
    );
    expect(httpStatusText(599)).toBe('HTTP 599');
  });

  it('connection failures are one coarse class', () => {
    for (const err of [
      withCode('connect ECONNREFUSED 10.1.2.3:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('connect EHOSTUNREACH 10.9.9.9:80', 'EHOSTUNREACH'),
      withCode('getaddrinfo ENOTFOUND db.internal', 'ENOTFOUND'),
      new Error('connection closed before the answer ended'),
      new TypeError('fetch failed', { cause: withCode('x', 'UND_ERR_SOCKET') }),
      new SseError(undefined, 'TypeError: fetch failed: connect ECONNREFUSED', undefined as never),
      new McpError(-32000, 'Connection closed'),
    ]) {
      expect(before(err), err.message).toEqual({
        outcome: 'disconnected',
        message: 'connection failed',
        dropSession: true,
      });
    }
    expect(classify(withCode('read ECONNRESET', 'ECONNRESET')).message).toBe('connection lost');
  });

  it('a policy refusal says so, wherever it is in the cause chain', () => {
    const denied = new DestinationDeniedError('metadata.internal', '169.254.169.254');
    for (const err of [denied, new TypeError('fetch failed', { cause: denied })]) {
      expect(before(err)).toEqual({
        outcome: 'disconnected',
        message: 'destination not allowed by policy',
        dropSession: true,
      });
    }
  });

  it('TLS failures: three classes, no codes', () => {
    expect(before(withCode('x', 'SELF_SIGNED_CERT_IN_CHAIN')).message).toBe(
      'TLS: untrusted certificate (is its CA in BEACON_MCP_CA_FILE?)',
    );
    expect(before(withCode('x', 'CERT_HAS_EXPIRED')).message).toBe('TLS: invalid certificate');
    expect(before(withCode('x', 'ERR_TLS_CERT_ALTNAME_INVALID')).message).toBe(
      'TLS: invalid certificate',
    );
    expect(before(withCode('x', 'EPROTO'))).toEqual({
      outcome: 'disconnected',
      message: 'TLS: handshake failed',
      dropSession: true,
    });
    expect(before(withCode('x', 'ERR_SSL_WRONG_VERSION_NUMBER')).message).toBe(
      'TLS: handshake failed',
    );
  });

  it('answers that are not MCP are `invalid response`, whatever they held', () => {
    let syntax: unknown;
    try {
      JSON.parse(`${SECRET} is not json`);
    } catch (err) {
      syntax = err;
    }
    expect(String(syntax)).toContain('AKIA');
    expect(before(syntax)).toMatchObject({ outcome: 'error', message: 'invalid response' });
    expect(before(new Error(`Server's protocol version is not supported: ${SECRET}`)).message).toBe(
      'invalid response',
    );
    expect(before(new Error(SECRET)).message).toBe('probe failed');
    expect(before(SECRET).message).toBe('probe failed');
  });

  it('JSON-RPC errors: the code before initialize, the message from an MCP server after', () => {
    const err = new McpError(-32603, `injected fault: ${SECRET}\n`);
    expect(before(err)).toEqual({
      outcome: 'error',
      message: 'MCP error -32603',
      dropSession: false,
    });
    expect(classify(err).message).toBe(`MCP error -32603: injected fault: ${SECRET}`);
    expect(classify(new McpError(-32603, 'x'.repeat(500))).message).toHaveLength(201);
    expect(classify(new McpError(-32001, 'Request timed out'))).toMatchObject({
      outcome: 'timeout',
      message: 'request timed out',
    });
    expect(classify(new ProbeDeadline('no answer within 500 ms'))).toMatchObject({
      outcome: 'timeout',
      message: 'no answer within 500 ms',
    });
  });
});
