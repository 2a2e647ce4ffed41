// The reconnect backoff lives in @beacon/protocol (shared with the Node services' retry loops).
export { createBackoff, type Backoff, type BackoffOptions } from '@beacon/protocol';
