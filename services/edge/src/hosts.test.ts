import { describe, expect, it } from 'vitest';
import { defaultAllowedHosts, hostListProblems, hostPolicy, splitHost } from './hosts.js';

describe('hostPolicy', () => {
  it('given entries without a port, when any port of that host asks, then it is allowed', () => {
    const p = hostPolicy(['beacon.example.com', '[::1]', '127.0.0.1:3001']);
    expect(p.allows('beacon.example.com')).toBe(true);
    expect(p.allows('Beacon.Example.com.:8443')).toBe(true);
    expect(p.allows('[::1]:3001')).toBe(true);
    expect(p.allows('127.0.0.1:3001')).toBe(true);
    expect(p.allows('127.0.0.1:3002')).toBe(false);
    expect(p.allows('evil.example')).toBe(false);
    expect(p.allows('beacon.example.com.evil.example')).toBe(false);
    expect(p.allows('beacon.example.com@evil')).toBe(false);
    expect(p.allows('beacon.example.com:99999x')).toBe(false);
  });

  it('allows every host with *, and a request without Host (not a browser)', () => {
    expect(hostPolicy(['*']).allows('anything:1')).toBe(true);
    expect(hostPolicy(['localhost']).allows('')).toBe(true);
  });

  it('defaults to loopback names and the hosts of the allowed origins', () => {
    const d = defaultAllowedHosts(['https://beacon.example.com', '*']);
    expect(d).toEqual(
      expect.arrayContaining(['localhost', '127.0.0.1', '[::1]', 'beacon.example.com']),
    );
  });

  it('reports malformed entries', () => {
    expect(hostListProblems(['ok.example', '*', 'http://x/', 'a b'])).toEqual([
      'BEACON_ALLOWED_HOSTS: "http://x/" is not a host name like beacon.example.com[:port]',
      'BEACON_ALLOWED_HOSTS: "a b" is not a host name like beacon.example.com[:port]',
    ]);
    expect(splitHost('[::1')).toBeNull();
  });
});
