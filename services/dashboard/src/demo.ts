// Demo mode: when the stack runs the demo MCP fleet, the dashboard can flip its fault switches.
// The control API URL comes from `?demo=<url>` in the page URL (remembered in localStorage); the
// edge's session does not carry it. The server list is loaded once and after every switch.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { createDemoApi, type DemoServer, type FaultMode } from './api.js';

const KEY = 'beacon.demo';

export function demoControlUrl(): string | null {
  const url = new URL(window.location.href);
  const param = url.searchParams.get('demo');
  if (param !== null) {
    url.searchParams.delete('demo');
    window.history.replaceState(window.history.state, '', url.toString());
    try {
      if (param === '' || param === 'off') window.localStorage.removeItem(KEY);
      else window.localStorage.setItem(KEY, param);
    } catch {
      // No storage: demo mode for this page only.
    }
    if (param !== '' && param !== 'off') return param;
  }
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export interface Demo {
  readonly url: string;
  readonly servers: ReadonlyMap<string, DemoServer>;
  readonly error: string | null;
  setFault(name: string, mode: FaultMode): Promise<void>;
  refresh(): void;
}

export function useDemo(controlUrl: string | null): Demo | null {
  const api = useMemo(() => (controlUrl === null ? null : createDemoApi(controlUrl)), [controlUrl]);
  const [servers, setServers] = useState<ReadonlyMap<string, DemoServer>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (api === null) return;
    let cancelled = false;
    api.servers().then(
      (list) => {
        if (cancelled) return;
        setServers(new Map(list.map((s) => [s.name, s])));
        setError(null);
      },
      (err: unknown) => {
        if (!cancelled) setError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, tick]);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  const setFault = useCallback(
    async (name: string, mode: FaultMode) => {
      if (api === null) return;
      try {
        await api.setFault(name, mode);
      } finally {
        refresh();
      }
    },
    [api, refresh],
  );
  if (controlUrl === null) return null;
  return { url: controlUrl, servers, error, setFault, refresh };
}
