// Which `Host` headers the edge answers (BEACON_ALLOWED_HOSTS). A DNS-rebinding page makes the
// victim's browser talk to the edge under the attacker's own host name: the request is then
// "same origin" for the browser and its Origin matches its Host. Refusing unknown Hosts before
// auth closes that door, and the same-host Origin check can then trust Host. Pure.
import { hostname } from 'node:os';

export interface HostPolicy {
  /** True when any Host is allowed (`*`). */
  readonly any: boolean;
  /** The configured entries, for logs. */
  readonly entries: readonly string[];
  allows(hostHeader: string): boolean;
}

interface Entry {
  readonly host: string;
  /** null: any port. */
  readonly port: string | null;
}

/** `host[:port]` → parts, lower-cased, trailing dot dropped; null when malformed. */
export function splitHost(value: string): Entry | null {
  const v = value.trim().toLowerCase();
  if (v === '' || v.length > 300) return null;
  let host: string;
  let rest: string;
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end < 0) return null;
    host = v.slice(0, end + 1);
    rest = v.slice(end + 1);
  } else {
    const colon = v.indexOf(':');
    host = colon < 0 ? v : v.slice(0, colon);
    rest = colon < 0 ? '' : v.slice(colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '' || /[\s/@?#\\]/.test(host)) return null;
  if (rest === '') return { host, port: null };
  if (!/^:\d{1,5}$/.test(rest)) return null;
  return { host, port: rest.slice(1) };
}

/** Problems with configured entries (empty when fine). */
export function hostListProblems(entries: readonly string[]): string[] {
  return entries
    .filter((e) => e !== '*' && splitHost(e) === null)
    .map((e) => `BEACON_ALLOWED_HOSTS: "${e}" is not a host name like beacon.example.com[:port]`);
}

/**
 * What the edge answers by default: loopback names, this machine's host name, and the hosts of
 * BEACON_ALLOWED_ORIGINS (pages there talk to the edge under those names).
 */
export function defaultAllowedHosts(allowedOrigins: readonly string[]): string[] {
  const out = ['localhost', '127.0.0.1', '[::1]'];
  const own = hostname().toLowerCase();
  if (own !== '') out.push(own);
  for (const origin of allowedOrigins) {
    if (origin === '*') continue;
    try {
      out.push(new URL(origin).host);
    } catch {
      // edgeConfigProblems reports bad origins at start-up.
    }
  }
  return [...new Set(out)];
}

export function hostPolicy(entries: readonly string[]): HostPolicy {
  const any = entries.includes('*');
  const parsed = entries.map(splitHost).filter((e): e is Entry => e !== null);
  return Object.freeze({
    any,
    entries: [...entries],
    allows(hostHeader: string): boolean {
      if (any) return true;
      // HTTP/1.0 clients may omit Host; browsers always send it, so no rebinding rides on this.
      if (hostHeader === '') return true;
      const h = splitHost(hostHeader);
      if (h === null) return false;
      return parsed.some((e) => e.host === h.host && (e.port === null || e.port === h.port));
    },
  });
}

export function misdirected(hostHeader: string): string {
  const shown = JSON.stringify(hostHeader.slice(0, 100));
  return JSON.stringify({
    error: {
      code: 'forbidden',
      message: `host ${shown} is not served by this edge (BEACON_ALLOWED_HOSTS)`,
    },
  });
}
