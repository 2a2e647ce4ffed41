// @beacon/client/node: the Node-only parts of the client (they use ioredis). Browsers import
// `@beacon/client`, which never pulls these in.
export * from './reporter.js';
