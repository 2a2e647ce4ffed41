import { BeaconError } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { fencedOr, isFenced, redisErrorCode } from './errors.js';

describe('redis error codes', () => {
  it('reads the code of a Redis error reply from its first word', () => {
    expect(redisErrorCode(new Error('BUSYGROUP Consumer Group name already exists'))).toBe(
      'BUSYGROUP',
    );
    expect(redisErrorCode(new Error('FENCED lease x is not held by token 3'))).toBe('FENCED');
    expect(redisErrorCode(new Error('connect ECONNREFUSED'))).toBeUndefined();
    expect(redisErrorCode(new Error('Connection is closed.'))).toBeUndefined();
    expect(redisErrorCode('BUSYGROUP')).toBeUndefined();
  });

  it('turns a fenced script refusal into BeaconError("fenced") and leaves other errors alone', () => {
    const fenced = fencedOr(new Error('FENCED lease x is not held by token 3'), 'commit');
    expect(fenced).toBeInstanceOf(BeaconError);
    expect((fenced as BeaconError).code).toBe('fenced');
    expect(isFenced(fenced)).toBe(true);
    const other = new Error('ERR unknown command');
    expect(fencedOr(other, 'commit')).toBe(other);
    expect(isFenced(other)).toBe(false);
    expect(isFenced(new BeaconError('timeout', 'FENCED in text only'))).toBe(false);
  });
});
