// One MCP session per server over the real MCP protocol, kept open between probes, in either
// protocol generation. The 2026-07-28 revision (stateless: no initialize, no ping) is tried first,
// as its backward-compatibility sections say: `server/discover` (modern.ts, which also says why
// no SDK does this part); a legacy answer falls back to the 2025 SDK Client (initialize +
// notifications/initialized, then `ping`). The generation that worked is remembered per MCP (and
// seeded from the row's protocol_version after a failover). `probe_method` picks the request:
// `discover` (modern only), `ping` (legacy only, no detection), `tools_list` (either); absent,
// the cheapest the server has (discover, else ping). A probe is bounded by the MCP's timeout
// whatever the server does; `tools/list` is refreshed on (re)connect, on
// `notifications/tools/list_changed` (legacy servers that send it), every toolsRefreshMs for
// modern servers (they send none outside a subscription), and on every `tools_list` probe; its
// digest (tool-digest.ts: names + input schemas) tells tool drift. Errors are classified:
// reachable-but-failing is `unhealthy`, credentials refused is `auth_failed`, cannot-connect or
// dropped is `disconnected`. An `sse` session (2024-11-05 transport: always legacy) ends with its
// event stream (the SDK's EventSource would otherwise reopen it onto a session nobody
// initialized). Failures are classified and worded by probe-errors.ts.
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
import type { ToolsSeen } from './decide.js';
import {
  createRpc,
  discoverVerdict,
  isModernVersion,
  LegacySignal,
  MODERN_VERSION,
  modernMeta,
  RpcTimeout,
  toolsPage,
  type Rpc,
  type ToolShape,
} from './modern.js';
import {
  classify,
  ConnectFailure,
  DiscoverUnsupported,
  isPolicyDenied,
  ProbeDeadline,
} from './probe-errors.js';
import { resolveStdio, type StdioSpawn } from './stdio-commands.js';
import { diffTools, digestTools, type ToolDigest, type ToolDiff } from './tool-digest.js';

export interface ProbeSessionOptions {
  readonly logger: Logger;
  /** A changed tool list arrived between probes (list_changed, periodic refresh). */
  readonly onToolsChanged: (seen: ToolsSeen) => void;
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
  /** The revision last recorded for this MCP (the row's protocol_version): its generation is
   * tried first. */
  readonly knownProtocolVersion?: string | null;
  /** How often a modern server's tools are re-listed between probes (default 60 s). */
  readonly toolsRefreshMs?: number;
}

/** Which protocol generation a server speaks: 2026-07-28+ (`modern`) or 2025-xx (`legacy`). */
export type Era = 'modern' | 'legacy';

export interface ProbeSession {
  probe(config: McpConfig): Promise<ProbeResult>;
  /** Close the session (and tell an HTTP server so, best effort). */
  close(): Promise<void>;
  readonly connected: boolean;
  readonly toolsCount: number | null;
  /** The generation that last worked (null: not known yet). */
  readonly era: Era | null;
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

const DEFAULT_TOOLS_REFRESH_MS = 60_000;
const NO_ANSWER = 'no answer to server/discover';

/**
 * A started transport as a fresh one for the SDK Client (its start() would refuse a second
 * start): the stdio process that answered server/discover goes on to initialize.
 */
function adopt(inner: Transport): Transport {
  const outer: Transport = {
    start: () => Promise.resolve(),
    send: (message, options) => inner.send(message, options),
    close: () => inner.close(),
  };
  inner.onmessage = (message, extra) => outer.onmessage?.(message, extra);
  inner.onclose = () => outer.onclose?.();
  inner.onerror = (err) => outer.onerror?.(err);
  return outer;
}
/** Pages of tools/list read at most: a server that loops its cursor must not trap us. */
const MAX_TOOL_PAGES = 100;

interface LegacyLive {
  readonly kind: 'legacy';
  readonly client: Client;
  readonly transport: Transport;
  /** What initialize negotiated (set through the transport's setProtocolVersion). */
  version: string | null;
}
interface ModernLive {
  readonly kind: 'modern';
  readonly rpc: Rpc;
  readonly transport: Transport;
  readonly version: string;
  readonly clientName: string;
  /**
   * The round trips (ms) of the connect's own `server/discover` and `tools/list`, until the probe
   * that connected takes them as its answer: a fresh session is not asked the same thing twice.
   */
  answered: { readonly discover: number; readonly tools: number } | null;
}
type Live = LegacyLive | ModernLive;

export function createProbeSession(name: string, options: ProbeSessionOptions): ProbeSession {
  const log = options.logger.child({ component: 'probe', mcp: name });
  const clientName = options.clientName ?? 'beacon-registry';
  const toolsRefreshMs = options.toolsRefreshMs ?? DEFAULT_TOOLS_REFRESH_MS;
  let live: Live | null = null;
  let digest: ToolDigest | null = null;
  /** What changed to make `digest` (reported once with the next probe result). */
  let lastDiff: ToolDiff | undefined;
  let reportedHash: string | null = null;
  let toolsAt = 0;
  const known = options.knownProtocolVersion ?? null;
  let era: Era | null = known === null ? null : isModernVersion(known) ? 'modern' : 'legacy';
  let closed = false;
  let refreshing: Promise<void> | null = null;

  const drop = async (which: Live | null, tellServer: boolean): Promise<void> => {
    if (which === null) return;
    if (live === which) live = null;
    if (which.kind === 'modern') {
      which.transport.onclose = undefined;
      which.rpc.fail(new Error('connection closed'));
      await which.transport.close().catch(() => undefined);
      return;
    }
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

  /** Every tool of the server (name + input schema), page by page. */
  const listTools = async (
    session: Live,
    signal: AbortSignal,
    timeout: number,
  ): Promise<ToolShape[]> => {
    const tools: ToolShape[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_TOOL_PAGES; page++) {
      if (session.kind === 'legacy') {
        const res = await session.client.listTools(cursor === undefined ? {} : { cursor }, {
          signal,
          timeout,
        });
        for (const t of res.tools) tools.push({ name: t.name, inputSchema: t.inputSchema });
        cursor = res.nextCursor;
      } else {
        const res = toolsPage(
          await session.rpc.request(
            'tools/list',
            {
              _meta: modernMeta(session.clientName),
              ...(cursor === undefined ? {} : { cursor }),
            },
            { signal, timeout },
          ),
        );
        tools.push(...res.tools);
        cursor = res.nextCursor;
      }
      if (cursor === undefined) break;
    }
    return tools;
  };

  /** Takes a fresh tool list; true when it differs from the last one. */
  const noteTools = (tools: readonly ToolShape[]): boolean => {
    const next = digestTools(tools);
    toolsAt = Date.now();
    if (digest !== null && digest.hash === next.hash) return false;
    lastDiff = digest === null ? undefined : diffTools(digest, next);
    digest = next;
    return true;
  };

  const seen = (): ToolsSeen | null =>
    digest === null
      ? null
      : {
          count: digest.count,
          hash: digest.hash,
          ...(lastDiff === undefined ? {} : { diff: lastDiff }),
        };

  const refreshTools = (timeoutMs: number): void => {
    if (refreshing !== null || live === null) return;
    const current = live;
    refreshing = (async () => {
      try {
        const ctl = new AbortController();
        const tools = await listTools(current, ctl.signal, timeoutMs);
        if (live === current && noteTools(tools)) {
          const s = seen();
          if (s !== null) options.onToolsChanged(s);
        }
      } catch (err) {
        log.debug({ err }, 'tools refresh failed; the next probe will tell');
      } finally {
        refreshing = null;
      }
    })();
  };

  const transportFor = (config: McpConfig): Transport =>
    makeTransport(
      config,
      log,
      options.httpAgents,
      options.resolveStdio ?? ((t) => resolveStdio(undefined, t, false)),
    );

  const connectLegacy = async (
    config: McpConfig,
    signal: AbortSignal,
    remaining: () => number,
    reuse?: Transport,
  ): Promise<LegacyLive> => {
    const client = new Client(
      { name: clientName, version: '1.0.0' },
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
    const transport = reuse === undefined ? transportFor(config) : adopt(reuse);
    const candidate: LegacyLive = { kind: 'legacy', client, transport, version: null };
    // initialize's negotiated revision reaches the transport (HTTP sends it as a header); keep it.
    const setVersion = transport.setProtocolVersion?.bind(transport);
    transport.setProtocolVersion = (v: string) => {
      candidate.version = v;
      setVersion?.(v);
    };
    try {
      try {
        await client.connect(transport, { signal, timeout: Math.max(1, remaining()) });
      } catch (err) {
        // No MCP session yet: whatever answered has not shown it speaks MCP (probe-errors.ts).
        throw new ConnectFailure(err);
      }
      noteTools(await listTools(candidate, signal, Math.max(1, remaining())));
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

  /**
   * `server/discover` first (the new revision); throws LegacySignal when the server answered as
   * a 2025 one (the caller falls back), ConnectFailure when it failed otherwise.
   */
  const connectModern = async (
    config: McpConfig,
    signal: AbortSignal,
    remaining: () => number,
  ): Promise<ModernLive> => {
    const stdio = config.transport.type === 'stdio';
    const transport = transportFor(config);
    // HTTP: the MCP-Protocol-Version (and Mcp-Method) headers of the new revision.
    transport.setProtocolVersion?.(MODERN_VERSION);
    const rpc = createRpc(transport);
    let ended = false;
    transport.onclose = () => {
      ended = true;
      rpc.fail(new Error('connection closed'));
    };
    transport.onerror = (err) => log.debug({ err }, 'MCP transport error');
    const cleanup = async (): Promise<void> => {
      transport.onclose = undefined;
      await transport.close().catch(() => undefined);
    };
    let version: string;
    let discoverMs = 0;
    try {
      try {
        await transport.start();
      } catch (err) {
        throw new ConnectFailure(err);
      }
      // stdio has no HTTP status to tell a legacy server: silence (or an exit) within a short
      // wait means one (stdio.mdx, Backward Compatibility). On HTTP silence is an outage.
      const wait = stdio
        ? Math.min(remaining(), Math.max(200, Math.min(2_000, config.timeout_ms * 0.4)))
        : remaining();
      try {
        try {
          const t0 = performance.now();
          const result = await rpc.request(
            'server/discover',
            { _meta: modernMeta(clientName) },
            { signal, timeout: Math.max(1, wait) },
          );
          discoverMs = performance.now() - t0;
          version = discoverVerdict({ result });
        } catch (err) {
          if (err instanceof LegacySignal) throw err;
          const silent = stdio && !signal.aborted && (ended || err instanceof RpcTimeout);
          try {
            version = discoverVerdict({
              error: silent ? new LegacySignal(NO_ANSWER) : err,
            });
          } catch (verdict) {
            throw verdict instanceof LegacySignal ? verdict : new ConnectFailure(verdict);
          }
        }
      } catch (err) {
        // A stdio server still running goes on to initialize in the same process: no second
        // spawn (a late discover answer carries an id the Client never uses). An exit: a fresh one.
        if (err instanceof LegacySignal && stdio && !ended) {
          transport.onclose = undefined;
          transport.onerror = undefined;
          err.reuse = transport;
        }
        throw err;
      }
      const candidate: ModernLive = {
        kind: 'modern',
        rpc,
        transport,
        version,
        clientName,
        answered: null,
      };
      const t1 = performance.now();
      noteTools(await listTools(candidate, signal, Math.max(1, remaining())));
      candidate.answered = { discover: discoverMs, tools: performance.now() - t1 };
      transport.onclose = () => {
        rpc.fail(new Error('connection closed'));
        if (live !== candidate) return;
        live = null;
        if (!closed) {
          log.info('MCP connection dropped');
          options.onDropped();
        }
      };
      live = candidate;
      return candidate;
    } catch (err) {
      if (!(err instanceof LegacySignal && err.reuse !== undefined)) await cleanup();
      throw err;
    }
  };

  const connect = async (
    config: McpConfig,
    signal: AbortSignal,
    remaining: () => number,
  ): Promise<Live> => {
    const method = config.probe_method;
    // The HTTP+SSE transport is the 2024-11-05 one: always the legacy generation.
    const sse = config.transport.type === 'sse';
    if (sse && method === 'discover') throw new DiscoverUnsupported();
    const want: Era | 'detect' =
      sse || method === 'ping' ? 'legacy' : method === 'discover' ? 'modern' : (era ?? 'detect');
    if (want === 'legacy') {
      try {
        const session = await connectLegacy(config, signal, remaining);
        era = 'legacy';
        return session;
      } catch (err) {
        // Detected before, answered with an error now: the server may have changed generation
        // (an outage or a timeout says nothing of that).
        if (method === undefined && !sse && classify(err).outcome === 'error') era = null;
        throw err;
      }
    }
    try {
      const session = await connectModern(config, signal, remaining);
      era = 'modern';
      return session;
    } catch (err) {
      if (!(err instanceof LegacySignal)) throw err;
      log.debug({ reason: err.message }, 'not a 2026-07-28 server; falling back to initialize');
      if (method === 'discover') {
        if (err.reuse !== undefined) await err.reuse.close().catch(() => undefined);
        throw new DiscoverUnsupported();
      }
      const session = await connectLegacy(config, signal, remaining, err.reuse);
      era = 'legacy';
      return session;
    }
  };

  /** The probe request itself on an open session; its latency in ms. */
  const ask = async (
    session: Live,
    config: McpConfig,
    signal: AbortSignal,
    remaining: () => number,
  ): Promise<number> => {
    if (session.kind === 'modern' && session.answered !== null) {
      // Just connected: its discover (and tools/list) was this probe's request.
      const { discover, tools } = session.answered;
      session.answered = null;
      return config.probe_method === 'tools_list' ? tools : discover;
    }
    const timeout = Math.max(1, remaining());
    const t0 = performance.now();
    if (config.probe_method === 'tools_list') {
      noteTools(await listTools(session, signal, timeout));
    } else if (session.kind === 'legacy') {
      await session.client.ping({ signal, timeout });
    } else {
      const result = await session.rpc.request(
        'server/discover',
        { _meta: modernMeta(clientName) },
        { signal, timeout },
      );
      try {
        discoverVerdict({ result });
      } catch {
        throw new SyntaxError('invalid server/discover result');
      }
    }
    return performance.now() - t0;
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
    ): ProbeResult => {
      const success = outcome === 'success';
      const report: Partial<ProbeResult> = {};
      if (success && live !== null && live.version !== null) {
        report.protocol_version = live.version;
      }
      if (success && digest !== null) {
        report.tools_hash = digest.hash;
        // The names that changed go out once, with the first result that has the new hash.
        if (digest.hash !== reportedHash && lastDiff !== undefined) report.tools_diff = lastDiff;
        reportedHash = digest.hash;
      }
      return {
        mcp_name: name,
        ok: success,
        outcome,
        status: success ? 'healthy' : outcome === 'disconnected' ? 'disconnected' : 'unhealthy',
        latency_ms: latency === null ? null : Math.round(latency * 100) / 100,
        error,
        tools_count: success ? (digest?.count ?? null) : null,
        at: Date.now(),
        ...report,
      };
    };

    const attempt = async (): Promise<number> => {
      let session = live;
      let fresh = false;
      if (session === null) {
        session = await connect(config, ctl.signal, remaining);
        fresh = true;
      }
      try {
        return await ask(session, config, ctl.signal, remaining);
      } catch (err) {
        const failure = classify(err);
        if (!failure.dropSession) throw err;
        await drop(session, false);
        if (fresh || closed) throw err;
        // The old session died (server restarted, socket reset): one fresh try decides.
        const again = await connect(config, ctl.signal, remaining);
        return ask(again, config, ctl.signal, remaining);
      }
    };

    const pingStarted = performance.now();
    try {
      const latency = await Promise.race([attempt(), deadline]);
      const session = live;
      if (
        session?.kind === 'modern' &&
        config.probe_method !== 'tools_list' &&
        Date.now() - toolsAt >= toolsRefreshMs
      ) {
        // Modern servers announce no tool changes outside a subscription: re-list now and then.
        refreshTools(config.timeout_ms);
      }
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
      return digest?.count ?? null;
    },
    get era() {
      return era;
    },
  };
}
