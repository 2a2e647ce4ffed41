// The destination policy's parsing (BEACON_MCP_DENY_CIDRS / BEACON_MCP_ALLOW_CIDRS, through the
// registry's config) and matching, IPv4-mapped and NAT64 forms included; the lookup that checks
// every resolved address.
import type { LookupAddress } from 'node:dns';
import { loadConfig } from '@beacon/runtime';
import { describe, expect, it } from 'vitest';
import { RegistryConfig } from './config.js';
import {
  createDestinationPolicy,
  DestinationDeniedError,
  parseCidr,
  parseCidrList,
  policyLookup,
  type LookupFunction,
} from './destination-policy.js';

describe('CIDR lists', () => {
  it('parses CIDRs and single IPs of both families', () => {
    expect(parseCidrList(' 10.0.0.0/8, 192.168.1.7 ,fd00::/8,[::1]')).toEqual([
      { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
      { address: '192.168.1.7', prefix: 32, family: 'ipv4' },
      { address: 'fd00::', prefix: 8, family: 'ipv6' },
      { address: '::1', prefix: 128, family: 'ipv6' },
    ]);
  });

  it('names every bad entry', () => {
    expect(() => parseCidrList('10.0.0.0/33,example.com,1.2.3.4/x,::1/129')).toThrow(
      '"10.0.0.0/33": prefix length must be 0-32; "example.com" is not an IP address or CIDR; ' +
        '"1.2.3.4/x": prefix length must be 0-32; "::1/129": prefix length must be 0-128',
    );
    expect(() => parseCidr('1.2.3.4/')).toThrow(/prefix length/);
    expect(() => parseCidrList(' , ')).toThrow(/no CIDR given/);
  });

  it('`default` extends the default deny list, `none` empties it (deny list only)', () => {
    const extended = parseCidrList('default,10.0.0.0/8');
    expect(extended[0]).toEqual({ address: '169.254.0.0', prefix: 16, family: 'ipv4' });
    expect(extended.at(-1)).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidrList('none')).toEqual([]);
    expect(() => parseCidrList('none', false)).toThrow(/"none" is not an IP address/);
    expect(() => parseCidrList('default', false)).toThrow(/"default" is not an IP address/);
  });

  it('the registry config refuses a bad list naming the variable, and defaults the deny list', () => {
    expect(() =>
      loadConfig(RegistryConfig, { BEACON_MCP_DENY_CIDRS: '169.254.0.0/16,10.0.0.0/40' }),
    ).toThrow(
      'invalid configuration (BEACON_MCP_DENY_CIDRS): BEACON_MCP_DENY_CIDRS: "10.0.0.0/40": prefix length must be 0-32',
    );
    expect(() => loadConfig(RegistryConfig, { BEACON_MCP_ALLOW_CIDRS: 'localhost' })).toThrow(
      /^invalid configuration \(BEACON_MCP_ALLOW_CIDRS\): .*"localhost" is not an IP address/,
    );
    const config = loadConfig(RegistryConfig, {});
    expect(config.BEACON_MCP_ALLOW_CIDRS).toBeUndefined();
    expect(config.BEACON_MCP_DENY_CIDRS).toContainEqual({
      address: 'fe80::',
      prefix: 10,
      family: 'ipv6',
    });
  });
});

describe('matching', () => {
  const policy = createDestinationPolicy();

  it('the default denies link-local and cloud metadata addresses in every IPv6 form', () => {
    for (const address of [
      '169.254.169.254',
      '169.254.170.2',
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a9fe:a9fe',
      'fe80::1',
      'fd00:ec2::254',
      '100.100.100.200',
      '::ffff:100.100.100.200',
      '168.63.129.16',
    ]) {
      expect(policy.allows(address), address).toBe(false);
    }
  });

  it('the default allows loopback, private and public addresses', () => {
    for (const address of ['127.0.0.1', '::1', '10.1.2.3', '192.168.0.10', 'fd00::1', '8.8.8.8']) {
      expect(policy.allows(address), address).toBe(true);
    }
    expect(policy.allows('not-an-ip')).toBe(false);
  });

  it('an IPv4 rule also denies the IPv4-mapped IPv6 form, and back', () => {
    const v4 = createDestinationPolicy({ deny: parseCidrList('127.0.0.2/32') });
    expect(v4.allows('127.0.0.2')).toBe(false);
    expect(v4.allows('::ffff:127.0.0.2')).toBe(false);
    expect(v4.allows('127.0.0.3')).toBe(true);
    const v6 = createDestinationPolicy({ deny: parseCidrList('::ffff:10.0.0.0/104') });
    expect(v6.allows('10.9.9.9')).toBe(false);
  });

  it('an allow list narrows; the deny list still wins inside it', () => {
    const narrowed = createDestinationPolicy({
      deny: parseCidrList('default,127.0.0.9'),
      allow: parseCidrList('127.0.0.0/8,169.254.0.0/16', false),
    });
    expect(narrowed.allows('127.0.0.1')).toBe(true);
    expect(narrowed.allows('::ffff:127.0.0.1')).toBe(true);
    expect(narrowed.allows('127.0.0.9')).toBe(false);
    expect(narrowed.allows('169.254.169.254')).toBe(false);
    expect(narrowed.allows('10.0.0.1')).toBe(false);
    expect(narrowed.allows('::1')).toBe(false);
    expect(narrowed.allow).toEqual(['127.0.0.0/8', '169.254.0.0/16']);
  });
});

describe('policyLookup', () => {
  const resolving =
    (addresses: LookupAddress[]): LookupFunction =>
    (_host, _options, callback) =>
      callback(null, addresses);
  const run = (lookup: LookupFunction, all: boolean) =>
    new Promise<{ err: NodeJS.ErrnoException | null; result: unknown; family?: number }>((r) =>
      lookup('mcp.example', { all }, (err, result, family) => r({ err, result, family })),
    );
  const policy = createDestinationPolicy({ deny: parseCidrList('default,127.0.0.1') });

  it('passes allowed addresses on, as a list or the first one', async () => {
    const lookup = policyLookup(
      policy,
      resolving([
        { address: '127.0.0.5', family: 4 },
        { address: '::1', family: 6 },
      ]),
    );
    expect(await run(lookup, true)).toMatchObject({
      err: null,
      result: [
        { address: '127.0.0.5', family: 4 },
        { address: '::1', family: 6 },
      ],
    });
    expect(await run(lookup, false)).toEqual({ err: null, result: '127.0.0.5', family: 4 });
  });

  it('refuses a name when any of its addresses is denied', async () => {
    const lookup = policyLookup(
      policy,
      resolving([
        { address: '127.0.0.5', family: 4 },
        { address: '::ffff:169.254.169.254', family: 6 },
      ]),
    );
    for (const all of [true, false]) {
      const { err } = await run(lookup, all);
      expect(err).toBeInstanceOf(DestinationDeniedError);
      expect(err).toMatchObject({
        code: 'ERR_DESTINATION_DENIED',
        host: 'mcp.example',
        address: '::ffff:169.254.169.254',
      });
    }
  });

  it('passes resolver errors through', async () => {
    const failing: LookupFunction = (host, _o, callback) => {
      const e: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${host}`);
      e.code = 'ENOTFOUND';
      callback(e, []);
    };
    expect((await run(policyLookup(policy, failing), false)).err?.code).toBe('ENOTFOUND');
  });
});
