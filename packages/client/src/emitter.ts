// A tiny typed event emitter: the client's only way of telling callers what happened. Listener
// errors are caught and routed to `onListenerError` so one bad handler cannot break delivery.
export type Listener<T> = (payload: T) => void;

export interface Emitter<M extends object> {
  on<K extends keyof M>(type: K, listener: Listener<M[K]>): () => void;
  off<K extends keyof M>(type: K, listener: Listener<M[K]>): void;
  emit<K extends keyof M>(type: K, payload: M[K]): void;
  has(type: keyof M): boolean;
}

export function createEmitter<M extends object>(
  onListenerError: (error: unknown) => void = () => undefined,
): Emitter<M> {
  const listeners = new Map<keyof M, Set<Listener<never>>>();
  const off = <K extends keyof M>(type: K, listener: Listener<M[K]>): void => {
    listeners.get(type)?.delete(listener);
  };
  return Object.freeze({
    on<K extends keyof M>(type: K, listener: Listener<M[K]>): () => void {
      let set = listeners.get(type);
      if (set === undefined) listeners.set(type, (set = new Set()));
      set.add(listener);
      return () => off(type, listener);
    },
    off,
    emit<K extends keyof M>(type: K, payload: M[K]): void {
      const set = listeners.get(type);
      if (set === undefined) return;
      for (const l of [...set]) {
        try {
          (l as Listener<M[K]>)(payload);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    has: (type: keyof M) => (listeners.get(type)?.size ?? 0) > 0,
  });
}
