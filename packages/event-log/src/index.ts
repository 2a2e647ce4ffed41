export type * from './types.js';
export { createEventLog, isCluster } from './event-log.js';
export { fencedOr, isFenced, redisErrorCode } from './errors.js';
export {
  COMMAND_FIELD,
  createCommandInbox,
  ensureGroup,
  parseCommandEntry,
  type CommandAnswer,
  type CommandInbox,
  type CommandInboxOptions,
  type ConsumeOptions,
  type InboxCommand,
  type InboxConsumer,
  type InboxEntry,
  type ParseOptions,
  type ParsedCommand,
} from './inbox.js';
export { runUntilFenced, type UntilFencedOptions } from './until-fenced.js';
export { decodeField, decodeFieldOrNull, encodeField } from './codec.js';
