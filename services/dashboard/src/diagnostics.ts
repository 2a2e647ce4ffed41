// `window.__BEACON__`: read-only diagnostics of the live store, for the browser tests, the frame
// benchmark and operators poking at the devtools console. Never used to change state.
import type { ClientStats } from '@beacon/client';
import type { LiveSnapshot, LiveStore } from './live.js';

export interface Diagnostics {
  snapshot(): LiveSnapshot;
  stats(): ClientStats;
}

declare global {
  interface Window {
    __BEACON__?: Diagnostics;
  }
}

export function exposeDiagnostics(store: LiveStore): void {
  window.__BEACON__ = {
    snapshot: () => store.getSnapshot(),
    stats: () => store.client.stats,
  };
}
