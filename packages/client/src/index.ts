// @beacon/client public API. One export line per module so parallel additions merge cleanly.
export * from './client.js';
export * from './types.js';
export * from './fleet-state.js';
export * from './backoff.js';
export * from './emitter.js';
export * from './socket.js';
export * from './token.js';
export * from './reporter.js';
export * from './permit.js';
