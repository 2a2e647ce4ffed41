export type * from './types.js';
export { createEventLog, isCluster } from './event-log.js';
export { fencedOr, isFenced, redisErrorCode } from './errors.js';
export { decodeField, decodeFieldOrNull, encodeField } from './codec.js';
