// Bounded concurrency for probes: at most `limit` in flight, the rest wait in FIFO order.
export interface Semaphore {
  acquire(): Promise<void>;
  release(): void;
  readonly active: number;
  readonly waiting: number;
}

export function createSemaphore(limit: number): Semaphore {
  let active = 0;
  const queue: (() => void)[] = [];
  return {
    acquire() {
      if (active < limit) {
        active++;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => queue.push(resolve));
    },
    release() {
      const next = queue.shift();
      // The slot passes straight to the next waiter, so `active` stays the same.
      if (next !== undefined) next();
      else active--;
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
