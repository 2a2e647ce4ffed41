// In-memory mirror of the due-time sorted set: which breaker's OPEN wait ends next. A binary
// min-heap with lazy deletion: rescheduling pushes a new entry and stale ones are skipped.

export interface DueTimes {
  set(name: string, at: number | null): void;
  /** Earliest due time, or null when nothing is scheduled. */
  next(): number | null;
  /** Names due at or before `now` (each removed from the schedule). */
  takeDue(now: number): string[];
  clear(): void;
  readonly size: number;
}

export function createDueTimes(): DueTimes {
  const current = new Map<string, number>();
  const heap: { at: number; name: string }[] = [];

  const less = (i: number, j: number): boolean => heap[i]!.at < heap[j]!.at;
  const swap = (i: number, j: number): void => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  function push(item: { at: number; name: string }): void {
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(i, p)) break;
      swap(i, p);
      i = p;
    }
  }
  function pop(): void {
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(l, m)) m = l;
      if (r < heap.length && less(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  }
  /** Drop stale heads so heap[0] (if any) is a live entry. */
  function settle(): void {
    while (heap.length > 0) {
      const top = heap[0]!;
      if (current.get(top.name) === top.at) return;
      pop();
    }
  }

  return {
    set(name, at) {
      if (at === null) {
        current.delete(name);
        return;
      }
      if (current.get(name) === at) return;
      current.set(name, at);
      push({ at, name });
      // Keep rescheduling from growing the heap without bound.
      if (heap.length > 4 * current.size + 64) {
        heap.length = 0;
        for (const [n, t] of current) push({ at: t, name: n });
      }
    },
    next() {
      settle();
      return heap.length === 0 ? null : heap[0]!.at;
    },
    takeDue(now) {
      const out: string[] = [];
      for (;;) {
        settle();
        const top = heap[0];
        if (top === undefined || top.at > now) return out;
        current.delete(top.name);
        pop();
        out.push(top.name);
      }
    },
    clear() {
      current.clear();
      heap.length = 0;
    },
    get size() {
      return current.size;
    },
  };
}
