export type * from './types.js';
export { createEventLog, isCluster } from './event-log.js';
