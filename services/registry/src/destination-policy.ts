// Where the registry may connect to probe MCP servers (BEACON_MCP_DENY_CIDRS /
// BEACON_MCP_ALLOW_CIDRS): a registered URL is an admin-chosen destination, so without a policy
// any admin could make the registry reach cloud metadata endpoints or link-local services. The
// check runs on the resolved addresses of every connection (a custom `lookup`), so a name that
// resolves to a denied address — including one that changes between probes (DNS rebinding) — is
// refused; literal IP hosts, for which Node skips `lookup`, are checked before connecting.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** One parsed entry: an address with its prefix length (a single IP is /32 or /128). */
export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

// Link-local ranges (every cloud's instance metadata, AWS ECS task credentials at 169.254.170.2,
// on-link neighbours) and metadata addresses outside them, each also in its IPv4-mapped and
// NAT64 (64:ff9b::/96) IPv6 forms, which reach the same IPv4 host.
export const DEFAULT_DENY_CIDRS: readonly string[] = [
  '169.254.0.0/16',
  '::ffff:169.254.0.0/112',
  '64:ff9b::169.254.0.0/112',
  'fe80::/10',
  // AWS instance metadata over IPv6.
  'fd00:ec2::254/128',
  // Alibaba Cloud metadata.
  '100.100.100.200/32',
  '::ffff:100.100.100.200/128',
  '64:ff9b::100.100.100.200/128',
  // Azure WireServer (host agent, certificates).
  '168.63.129.16/32',
  '::ffff:168.63.129.16/128',
  '64:ff9b::168.63.129.16/128',
];

/** Parses `10.0.0.0/8` or a single IP; throws a message naming the bad entry. */
export function parseCidr(text: string): Cidr {
  const entry = text.trim();
  const slash = entry.indexOf('/');
  const address = (slash === -1 ? entry : entry.slice(0, slash)).replace(/^\[(.*)\]$/, '$1');
  const version = isIP(address);
  if (version === 0) throw new Error(`"${entry}" is not an IP address or CIDR`);
  const max = version === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const bits = entry.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) {
      throw new Error(`"${entry}": prefix length must be 0-${max}`);
    }
    prefix = Number(bits);
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * A comma-separated list. With `keywords` (the deny list), `default` stands for
 * DEFAULT_DENY_CIDRS (so an operator can extend the default instead of replacing it) and `none`
 * for the empty list. Throws naming every bad entry.
 */
export function parseCidrList(text: string, keywords = true): Cidr[] {
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (keywords && entries.length === 1 && entries[0]!.toLowerCase() === 'none') return [];
  const out: Cidr[] = [];
  const bad: string[] = [];
  for (const entry of entries) {
    if (keywords && entry.toLowerCase() === 'default') {
      out.push(...DEFAULT_DENY_CIDRS.map(parseCidr));
      continue;
    }
    try {
      out.push(parseCidr(entry));
    } catch (err) {
      bad.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (bad.length > 0) throw new Error(bad.join('; '));
  if (out.length === 0) {
    throw new Error(keywords ? 'no CIDR given (use "none" for an empty list)' : 'no CIDR given');
  }
  return out;
}

function blockList(cidrs: readonly Cidr[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) list.addSubnet(c.address, c.prefix, c.family);
  return list;
}

export interface DestinationPolicy {
  /** May the registry connect to this IP address? Deny wins over allow. */
  allows(address: string): boolean;
  /** For the start-up log. */
  readonly deny: readonly string[];
  /** `null`: every destination outside `deny`. */
  readonly allow: readonly string[] | null;
}

export interface DestinationPolicyOptions {
  /** Default: DEFAULT_DENY_CIDRS. */
  readonly deny?: readonly Cidr[];
  /** When given, only destinations inside these are allowed. */
  readonly allow?: readonly Cidr[] | undefined;
}

const show = (c: Cidr): string => `${c.address}/${c.prefix}`;

export function createDestinationPolicy(options: DestinationPolicyOptions = {}): DestinationPolicy {
  const denyCidrs = options.deny ?? DEFAULT_DENY_CIDRS.map(parseCidr);
  const deny = blockList(denyCidrs);
  const allow = options.allow === undefined ? null : blockList(options.allow);
  // BlockList matches an IPv4 rule against an IPv4-mapped IPv6 address and back
  // (::ffff:169.254.169.254 is 169.254.169.254); the unit tests hold it to that.
  return Object.freeze({
    allows(address: string): boolean {
      const version = isIP(address);
      if (version === 0) return false;
      const family = version === 4 ? 'ipv4' : 'ipv6';
      if (deny.check(address, family)) return false;
      return allow === null || allow.check(address, family);
    },
    deny: denyCidrs.map(show),
    allow: options.allow === undefined ? null : options.allow.map(show),
  });
}

/** The connection was refused by the policy; `code` lets the prober classify it. */
export class DestinationDeniedError extends Error {
  override readonly name = 'DestinationDeniedError';
  readonly code = 'ERR_DESTINATION_DENIED';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(
      host === address
        ? `destination ${address} is not allowed by BEACON_MCP_DENY_CIDRS/BEACON_MCP_ALLOW_CIDRS`
        : `destination ${host} (${address}) is not allowed by BEACON_MCP_DENY_CIDRS/BEACON_MCP_ALLOW_CIDRS`,
    );
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
) => void;

/**
 * A `lookup` for net/tls connections that resolves every address of the name and refuses the
 * connection when any of them is not allowed (a name must not smuggle a denied address in next
 * to an allowed one: happy eyeballs would try them all).
 */
export function policyLookup(
  policy: DestinationPolicy,
  base: LookupFunction = dnsLookup,
): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (err, result) => {
      if (err !== null) {
        callback(err, options.all === true ? [] : '');
        return;
      }
      const addresses = result as LookupAddress[];
      const denied = addresses.find((a) => !policy.allows(a.address));
      if (denied !== undefined) {
        callback(new DestinationDeniedError(hostname, denied.address), options.all ? [] : '');
        return;
      }
      if (options.all === true) callback(null, addresses);
      else if (addresses[0] === undefined) {
        const e: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        e.code = 'ENOTFOUND';
        callback(e, '');
      } else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

interface ConnectionOptions {
  host?: string | null | undefined;
  hostname?: string | null | undefined;
  lookup?: unknown;
}
type CreateConnection = (
  options: ConnectionOptions,
  callback: (err: Error | null, socket?: unknown) => void,
) => unknown;

/**
 * Makes every connection of `agent` obey the policy: literal IPs are checked here (Node connects
 * to them without calling `lookup`), names get the policy lookup.
 */
export function guardAgent<A extends { createConnection: unknown }>(
  agent: A,
  policy: DestinationPolicy,
): A {
  const original = (agent.createConnection as CreateConnection).bind(agent);
  const lookup = policyLookup(policy);
  const guarded: CreateConnection = (options, callback) => {
    const host = (options.host ?? options.hostname ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) !== 0) {
      if (!policy.allows(host)) {
        // The agent hands the error to the request ('error' event); no socket is made.
        process.nextTick(() => callback(new DestinationDeniedError(host, host)));
        return undefined;
      }
      return original(options, callback);
    }
    return original({ ...options, lookup }, callback);
  };
  (agent as { createConnection: unknown }).createConnection = guarded;
  return agent;
}
