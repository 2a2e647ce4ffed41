// Keyboard movement through a windowed list: arrow keys, Page Up/Down, Home/End. The target row
// may not be rendered yet, so it scrolls first and focuses after the next render. The handler is
// stable (reads current sizes from a ref) so memoized rows do not re-render because of it.
import {
  useCallback,
  useEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type RefObject,
} from 'react';

export function useListKeys(
  scroller: RefObject<HTMLElement | null>,
  count: number,
  itemHeight: number,
  perRow = 1,
): (e: KeyboardEvent, index: number) => void {
  const [target, setTarget] = useState<number | null>(null);
  const dims = useRef({ count, itemHeight, perRow });
  dims.current = { count, itemHeight, perRow };
  useEffect(() => {
    if (target === null) return;
    const el = scroller.current?.querySelector<HTMLElement>(`[data-index="${target}"]`);
    if (el) {
      el.focus();
      setTarget(null);
    }
  });
  return useCallback(
    (e: KeyboardEvent, index: number): void => {
      const { count: n, itemHeight: h, perRow: p } = dims.current;
      const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 400) / h)) * p;
      const moves: Record<string, number> = {
        ArrowDown: p,
        ArrowUp: -p,
        PageDown: page,
        PageUp: -page,
        Home: -Infinity,
        End: Infinity,
        ...(p > 1 ? { ArrowRight: 1, ArrowLeft: -1 } : {}),
      };
      const delta = moves[e.key];
      if (delta === undefined) return;
      e.preventDefault();
      const next = Math.max(0, Math.min(n - 1, index + delta));
      const el = scroller.current;
      if (el) {
        const top = Math.floor(next / p) * h;
        if (top < el.scrollTop) el.scrollTop = top;
        else if (top + h > el.scrollTop + el.clientHeight) el.scrollTop = top + h - el.clientHeight;
      }
      setTarget(next);
    },
    [scroller],
  );
}
