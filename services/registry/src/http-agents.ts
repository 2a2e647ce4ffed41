// One set of HTTP agents per registry, for every connection to an MCP server: the
// streamable-HTTP transport's (their CA trust from BEACON_MCP_CA_FILE) and a fetch for the `sse`
// transport on agents of its own (Node's default trust store, as with the global fetch it used
// before). Every one of them connects through the destination policy (destination-policy.ts).
import * as http from 'node:http';
import * as https from 'node:https';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { createAgentFetch, type FetchAgents } from './agent-fetch.js';
import {
  createDestinationPolicy,
  guardAgent,
  type DestinationPolicy,
} from './destination-policy.js';
import { trustedCas } from './tls-trust.js';

// Requests (POST/DELETE) reuse idle sockets for 4 s, below the common 5 s server keep-alive, so a
// socket the server is about to close is rarely reused; a reused socket that was closed under us
// is retried once on a fresh one (Node's documented pattern). No per-origin socket cap: several
// MCPs behind one gateway origin must not wait on each other; the registry bounds probes in
// flight itself. Long-lived GET streams get their own agent without keep-alive or idle timeout.
export interface HttpAgents extends FetchAgents {
  /** The `sse` transport's fetch (default trust store; same policy). */
  readonly sseFetch: FetchLike;
  readonly policy: DestinationPolicy;
  /** Closes their sockets (at shutdown). */
  destroy(): void;
}

export interface HttpAgentsOptions {
  /**
   * Extra CA certificates (PEM) trusted for https servers besides Node's default roots and
   * NODE_EXTRA_CA_CERTS (BEACON_MCP_CA_FILE). None: Node's default trust store, untouched.
   */
  readonly extraCa?: readonly string[];
  /** Where connections may go; default: createDestinationPolicy() (the default deny list). */
  readonly policy?: DestinationPolicy;
}

function agentFamily(policy: DestinationPolicy, tls: https.AgentOptions): FetchAgents {
  return {
    'http:': {
      request: guardAgent(
        new http.Agent({ keepAlive: true, timeout: 4_000, scheduling: 'lifo' }),
        policy,
      ),
      stream: guardAgent(new http.Agent({ keepAlive: false }), policy),
    },
    'https:': {
      request: guardAgent(
        new https.Agent({ keepAlive: true, timeout: 4_000, scheduling: 'lifo', ...tls }),
        policy,
      ),
      stream: guardAgent(new https.Agent({ keepAlive: false, ...tls }), policy),
    },
  };
}

export function createHttpAgents(options: HttpAgentsOptions = {}): HttpAgents {
  const policy = options.policy ?? createDestinationPolicy();
  const tls = options.extraCa === undefined ? {} : { ca: trustedCas(options.extraCa) };
  const agents = agentFamily(policy, tls);
  const sse = agentFamily(policy, {});
  return Object.freeze({
    ...agents,
    sseFetch: createAgentFetch(sse),
    policy,
    destroy() {
      for (const set of [agents, sse]) {
        for (const family of [set['http:'], set['https:']]) {
          family.request.destroy();
          family.stream.destroy();
        }
      }
    },
  });
}
