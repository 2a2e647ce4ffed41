// The subset of `fetch` the SDK's SSE transport and its EventSource use (GET event stream, POST
// messages, headers, abort signal, streamed body), on node:http(s) with given agents — so the
// `sse` transport connects through the same destination policy as `streamable-http` instead of
// Node's global fetch, which no `lookup` reaches. It never follows a redirect: a 3xx answer is
// returned as it is (the SDK follows same-origin redirects itself, through this fetch again).
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

export interface FetchAgents {
  readonly 'http:': { readonly request: http.Agent; readonly stream: http.Agent };
  readonly 'https:': { readonly request: https.Agent; readonly stream: https.Agent };
}

/** Statuses whose Response must have a null body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : new DOMException('This operation was aborted', 'AbortError');
}

export function createAgentFetch(agents: FetchAgents): FetchLike {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        reject(new TypeError(`unsupported protocol ${url.protocol}`));
        return;
      }
      const signal = init?.signal ?? undefined;
      if (signal?.aborted === true) {
        reject(abortReason(signal));
        return;
      }
      const method = (init?.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((value, key) => (headers[key] = value));
      const body = init?.body;
      if (body !== undefined && body !== null && typeof body !== 'string') {
        reject(new TypeError('only string request bodies are supported'));
        return;
      }
      if (body !== undefined && body !== null) {
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      const family = agents[url.protocol];
      // The event stream is long-lived: its own agent without keep-alive, like http-transport.ts.
      const agent = method === 'GET' ? family.stream : family.request;
      const lib = url.protocol === 'https:' ? https : http;
      const req = lib.request(url, { method, headers, agent });
      const onAbort = (): void => {
        req.destroy(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.once('error', (err) => {
        signal?.removeEventListener('abort', onAbort);
        reject(err);
      });
      req.once('response', (res) => {
        res.once('close', () => signal?.removeEventListener('abort', onAbort));
        const status = res.statusCode ?? 0;
        const nullBody = NULL_BODY.has(status) || method === 'HEAD';
        try {
          if (status < 200 || status > 599) throw new TypeError(`invalid HTTP status ${status}`);
          const responseHeaders = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
            responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          }
          const response = new Response(
            nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>),
            // The reason phrase is never shown; one Response refuses must not fail the exchange.
            { status, headers: responseHeaders },
          );
          if (nullBody) res.resume();
          resolve(response);
        } catch (err) {
          // Headers or status a Response cannot hold: refused like a malformed answer.
          res.destroy();
          reject(err instanceof Error ? err : new TypeError(String(err)));
        }
      });
      req.end(body ?? undefined);
    });
}
