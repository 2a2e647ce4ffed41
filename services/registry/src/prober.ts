// One MCP session per server over the real MCP protocol (SDK Client: initialize +
// notifications/initialized, then `ping`), kept open between probes. A probe is bounded by the
// MCP's timeout whatever the server does; `tools/list` is refreshed on (re)connect and on
// `notifications/tools/list_changed`. Errors are classified: reachable-but-failing is
// `unhealthy`, cannot-connect or dropped is `disconnected`. An `sse` session ends with its event
// stream (the SDK's EventSource would otherwise reopen it onto a session nobody initialized).
// Failures are classified and worded by probe-errors.ts.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { redactLogText } from '@beacon/runtime';
import type { McpConfig, ProbeResult, StdioTransport } from '@beacon/protocol';
import type { Logger } from 'pino';
import {
  createLeanHttpTransport,
  defaultHttpAgents,
  type HttpAgents,
  type LeanHttpTransport,
} from './http-transport.js';
import { classify, ConnectFailure, isPolicyDenied, ProbeDeadline } from './probe-errors.js';
import { resolveStdio, type StdioSpawn } from './stdio-commands.js';

export interface ProbeSessionOptions {
  readonly logger: Logger;
  /** A fresh tool count arrived between probes (list_changed). */
  readonly onToolsChanged: (count: number) => void;
  /** The transport closed by itself (e.g. a stdio server exited): probe again soon. */
  readonly onDropped: () => void;
  readonly clientName?: string;
  /** Agents of the HTTP transports (CA trust, destination policy); default: Node's trust store
   * and the default destination policy. */
  readonly httpAgents?: HttpAgents;
  /**
   * The process to run for a stdio MCP (allow-list, fleet-file ownership); throws to refuse.
   * Default: no allow-list and no fleet file, so every stdio MCP is refused.
   */
  readonly resolveStdio?: (t: StdioTransport) => StdioSpawn;
}

export interface ProbeSession {
  probe(config: McpConfig): Promise<ProbeResult>;
  /** Close the session (and tell an HTTP server so, best effort). */
  close(): Promise<void>;
  readonly connected: boolean;
  readonly toolsCount: number | null;
}

type Outcome = ProbeResult['outcome'];

function makeTransport(
  config: McpConfig,
  logger: Logger,
  agents: HttpAgents | undefined,
  resolve: (t: StdioTransport) => StdioSpawn,
): Transport {
  const t = config.transport;
  switch (t.type) {
    case 'streamable-http':
      // Not the SDK's StreamableHTTPClientTransport: see http-transport.ts for what it cost.
      return createLeanHttpTransport(new URL(t.url), {
        ...(t.headers === undefined ? {} : { headers: t.headers }),
        ...(agents === undefined ? {} : { agents }),
      });
    case 'sse': {
      // Not Node's global fetch, which no destination policy reaches: agent-fetch.ts on the
      // registry's agents. Node's default trust store (NODE_EXTRA_CA_CERTS included), not
      // BEACON_MCP_CA_FILE, as with the global fetch before. The SDK puts `headers` (from
      // requestInit) on the stream and on every POST.
      const base = (agents ?? defaultHttpAgents).sseFetch;
      let denied: unknown;
      const sseFetch: FetchLike = (url, init) =>
        base(url, init).catch((err: unknown) => {
          if (isPolicyDenied(err)) denied = err;
          throw err;
        });
      const transport = new SSEClientTransport(new URL(t.url), {
        requestInit: { headers: t.headers ?? {} },
        fetch: sseFetch,
      });
      // The EventSource flattens a failed fetch into a message-only SseError: give connect() the
      // policy refusal itself, so it is reported as one.
      const start = transport.start.bind(transport);
      transport.start = () =>
        start().catch((err: unknown) => {
          throw denied ?? err;
        });
      return transport;
    }
    case 'stdio': {
      const spawn = resolve(t);
      const transport = new StdioClientTransport({ ...spawn, stderr: 'pipe' });
      // Drain stderr (a full pipe would block the server) into debug logs, secrets masked: a
      // server may print its token or a connection string.
      transport.stderr?.on('data', (chunk: Buffer) => {
        logger.debug(
          { stderr: redactLogText(chunk.toString('utf8'), 2_000) },
          'stdio server stderr',
        );
      });
      return transport;
    }
  }
}

// One validator for every session: the SDK would otherwise build an Ajv instance per Client,
// which dominates memory with hundreds of MCPs (tools' output schemas are all we validate).
const sharedValidator = new AjvJsonSchemaValidator();

interface Live {
  readonly client: Client;
  readonly transport: Transport;
}

export function createProbeSession(name: string, options: ProbeSessionOptions): ProbeSession {
  const log = options.logger.child({ component: 'probe', mcp: name });
  let live: Live | null = null;
  let toolsCount: number | null = null;
  let closed = false;
  let refreshing: Promise<void> | null = null;

  const drop = async (which: Live | null, tellServer: boolean): Promise<void> => {
    if (which === null) return;
    if (live === which) live = null;
    which.client.onclose = undefined;
    if (tellServer && 'terminateSession' in which.transport) {
      // Best effort and bounded: a dead server must not hold up a shutdown.
      await Promise.race([
        (which.transport as LeanHttpTransport).terminateSession().catch(() => undefined),
        new Promise((r) => setTimeout(r, 500).unref()),
      ]);
    }
    await which.client.close().catch(() => undefined);
  };

  const listTools = async (
    client: Client,
    signal: AbortSignal,
    timeout: number,
  ): Promise<number> => {
    let count = 0;
    let cursor: string | undefined;
    // Bounded pages: a server that loops its cursor must not trap us.
    for (let page = 0; page < 100; page++) {
      const res = await client.listTools(cursor === undefined ? {} : { cursor }, {
        signal,
        timeout,
      });
      count += res.tools.length;
      cursor = res.nextCursor;
      if (cursor === undefined) break;
    }
    return count;
  };

  const refreshTools = (timeoutMs: number): void => {
    if (refreshing !== null || live === null) return;
    const current = live;
    refreshing = (async () => {
      try {
        const ctl = new AbortController();
        const count = await listTools(current.client, ctl.signal, timeoutMs);
        if (live === current && count !== toolsCount) {
          toolsCount = count;
          options.onToolsChanged(count);
        }
      } catch (err) {
        log.debug({ err }, 'tools refresh failed; the next probe will tell');
      } finally {
        refreshing = null;
      }
    })();
  };

  const connect = async (
    config: McpConfig,
    signal: AbortSignal,
    remaining: () => number,
  ): Promise<Live> => {
    const client = new Client(
      { name: options.clientName ?? 'beacon-registry', version: '1.0.0' },
      {
        capabilities: {},
        jsonSchemaValidator: sharedValidator,
        listChanged: {
          tools: {
            autoRefresh: false,
            debounceMs: 100,
            onChanged: () => refreshTools(config.timeout_ms),
          },
        },
      },
    );
    const transport = makeTransport(
      config,
      log,
      options.httpAgents,
      options.resolveStdio ?? ((t) => resolveStdio(undefined, t, false)),
    );
    const candidate: Live = { client, transport };
    try {
      try {
        await client.connect(transport, { signal, timeout: Math.max(1, remaining()) });
      } catch (err) {
        // No MCP session yet: whatever answered has not shown it speaks MCP (probe-errors.ts).
        throw new ConnectFailure(err);
      }
      toolsCount = await listTools(client, signal, Math.max(1, remaining()));
    } catch (err) {
      await drop(candidate, false);
      throw err;
    }
    client.onclose = () => {
      if (live !== candidate) return;
      live = null;
      if (!closed) {
        log.info('MCP session dropped');
        options.onDropped();
      }
    };
    client.onerror = (err) => {
      if (err instanceof SseError && live === candidate) {
        // The SSE stream is gone (server stopped or restarted). Left alone, the EventSource
        // reopens it by itself and silently attaches to a new session that was never
        // initialized; end this session instead and let the next probe connect afresh.
        log.info({ err }, 'MCP event stream lost');
        void drop(candidate, false);
        if (!closed) options.onDropped();
        return;
      }
      log.debug({ err }, 'MCP transport error');
    };
    live = candidate;
    return candidate;
  };

  const probe = async (config: McpConfig): Promise<ProbeResult> => {
    const started = performance.now();
    const deadlineAt = started + config.timeout_ms;
    const remaining = (): number => deadlineAt - performance.now();
    const slowMs = config.slow_ms ?? config.timeout_ms;
    const ctl = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new ProbeDeadline(`no answer within ${config.timeout_ms} ms`);
        ctl.abort(err);
        reject(err);
      }, config.timeout_ms);
    });
    const result = (
      outcome: Outcome,
      latency: number | null,
      error: string | null,
    ): ProbeResult => ({
      mcp_name: name,
      ok: outcome === 'success',
      outcome,
      status:
        outcome === 'success'
          ? 'healthy'
          : outcome === 'disconnected'
            ? 'disconnected'
            : 'unhealthy',
      latency_ms: latency === null ? null : Math.round(latency * 100) / 100,
      error,
      tools_count: outcome === 'success' ? toolsCount : null,
      at: Date.now(),
    });

    const attempt = async (): Promise<number> => {
      let session = live;
      let fresh = false;
      if (session === null) {
        session = await connect(config, ctl.signal, remaining);
        fresh = true;
      }
      try {
        const t0 = performance.now();
        await session.client.ping({ signal: ctl.signal, timeout: Math.max(1, remaining()) });
        return performance.now() - t0;
      } catch (err) {
        const failure = classify(err);
        if (!failure.dropSession) throw err;
        await drop(session, false);
        if (fresh || closed) throw err;
        // The old session died (server restarted, socket reset): one fresh try decides.
        const again = await connect(config, ctl.signal, remaining);
        const t0 = performance.now();
        await again.client.ping({ signal: ctl.signal, timeout: Math.max(1, remaining()) });
        return performance.now() - t0;
      }
    };

    const pingStarted = performance.now();
    try {
      const latency = await Promise.race([attempt(), deadline]);
      return latency > slowMs
        ? result('slow', latency, `slow: ${Math.round(latency)} ms > ${slowMs} ms`)
        : result('success', latency, null);
    } catch (err) {
      const failure = classify(err);
      // The detail stays here: last_error only gets the fixed text (probe-errors.ts).
      log.debug({ err: err instanceof ConnectFailure ? err.cause : err }, 'probe failed');
      if (failure.dropSession) await drop(live, false);
      const elapsed = performance.now() - pingStarted;
      return result(
        failure.outcome,
        failure.outcome === 'disconnected' ? null : elapsed,
        failure.message,
      );
    } finally {
      // Not aborting on success: the SDK would send notifications/cancelled for finished requests.
      clearTimeout(timer);
    }
  };

  return {
    probe,
    async close() {
      closed = true;
      await drop(live, true);
    },
    get connected() {
      return live !== null;
    },
    get toolsCount() {
      return toolsCount;
    },
  };
}
