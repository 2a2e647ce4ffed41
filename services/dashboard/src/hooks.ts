// Small React hooks: the live store, a shared one-second clock for "12 s ago", element size, and
// windowed rendering for long lists (only the rows in view are in the DOM).
import { useEffect, useState, useSyncExternalStore, type RefObject } from 'react';
import type { LiveSnapshot, LiveStore } from './live.js';

export function useLive(store: LiveStore): LiveSnapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

// One interval for the whole page, however many "ago" labels are on screen.
const clockListeners = new Set<() => void>();
let clockNow = Date.now();
let clockTimer: ReturnType<typeof setInterval> | undefined;
function subscribeClock(listener: () => void): () => void {
  clockListeners.add(listener);
  if (clockTimer === undefined) {
    clockTimer = setInterval(() => {
      clockNow = Date.now();
      for (const l of clockListeners) l();
    }, 1_000);
  }
  return () => {
    clockListeners.delete(listener);
    if (clockListeners.size === 0 && clockTimer !== undefined) {
      clearInterval(clockTimer);
      clockTimer = undefined;
    }
  };
}
export function useNow(): number {
  return useSyncExternalStore(subscribeClock, () => clockNow);
}

export function useSize(ref: RefObject<HTMLElement | null>): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const ro = new ResizeObserver(([entry]) => {
      if (entry === undefined) return;
      const { width, height } = entry.contentRect;
      setSize((s) => (s.width === width && s.height === height ? s : { width, height }));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

export interface ListWindow {
  readonly first: number;
  readonly last: number;
  readonly offsetTop: number;
  readonly totalHeight: number;
}

/** Indices [first, last) of fixed-height items visible in a scroller, with some overscan. */
export function useWindow(
  ref: RefObject<HTMLElement | null>,
  count: number,
  itemHeight: number,
  overscan = 6,
): ListWindow {
  const [scrollTop, setScrollTop] = useState(0);
  const { height } = useSize(ref);
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    let frame = 0;
    const onScroll = (): void => {
      if (frame !== 0) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setScrollTop(el.scrollTop);
      });
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      el.removeEventListener('scroll', onScroll);
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [ref]);
  const visible = Math.ceil((height || 800) / itemHeight);
  const first = Math.max(0, Math.floor(scrollTop / itemHeight) - overscan);
  const last = Math.min(count, first + visible + overscan * 2);
  return { first, last, offsetTop: first * itemHeight, totalHeight: count * itemHeight };
}
