// Lua scripts holding the log's multi-key invariants. Every key a script touches shares the log's
// hash tag, so the scripts run unchanged on Redis Cluster.

/**
 * KEYS: 1 meta, 2 names set. ARGV: 1 epoch candidate, 2 projection key prefix.
 * Returns { epoch, last offset, name1, {field, value, ...}, name2, ... } read in one atomic step.
 */
export const SNAPSHOT = `
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'last')
local out = { meta[1], meta[2] or '0-0' }
local names = redis.call('SMEMBERS', KEYS[2])
for _, name in ipairs(names) do
  out[#out + 1] = name
  out[#out + 1] = redis.call('HGETALL', ARGV[2] .. name)
end
return out
`;

/** KEYS: 1 meta. ARGV: 1 epoch candidate. Returns { epoch, last }. */
export const HEAD = `
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'last')
return { meta[1], meta[2] or '0-0' }
`;

/**
 * Acquire or renew a lease. KEYS: 1 lease, 2 fence counter. ARGV: 1 current token ('' if none),
 * 2 ttl ms, 3 holder. Returns the token now held, or false.
 */
export const LEASE_ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current and ARGV[1] ~= '' and current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return current
end
if current then return false end
local n = redis.call('INCR', KEYS[2])
local token = tostring(n) .. ':' .. ARGV[3]
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return token
`;

/** KEYS: 1 lease. ARGV: 1 token. Deletes the lease only if this token still holds it. */
export const LEASE_RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Append one or several events in one atomic step (all or none), e.g. a `failure` health event and the status
 * change it explains. KEYS: 1 stream, 2 meta, 3 names set, 4 lease key, 5 live channel, 6.. one
 * projection hash per event. ARGV: 1 retention, 2 fence token, 3 publish command, 4 epoch
 * candidate, 5 event count, then per event: JSON, op, MCP name, field count, field/value pairs.
 * Returns { offset1, prev1, offset2, prev2, ... }.
 */
export const APPEND = `
if ARGV[2] ~= '' then
  local holder = redis.call('GET', KEYS[4])
  if holder ~= ARGV[2] then
    return redis.error_reply('FENCED lease ' .. KEYS[4] .. ' is not held by token ' .. ARGV[2])
  end
end
redis.call('HSETNX', KEYS[2], 'epoch', ARGV[4])
local prev = redis.call('HGET', KEYS[2], 'last') or '0-0'
local out = {}
local a = 6
for i = 1, tonumber(ARGV[5]) do
  local json, op, name, nfields = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  local fields = {}
  for j = 1, nfields * 2 do fields[j] = ARGV[a + 3 + j] end
  a = a + 4 + nfields * 2
  local key = KEYS[5 + i]
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', json, 'p', prev)
  if op == 'remove' then
    redis.call('DEL', key)
    redis.call('SREM', KEYS[3], name)
  else
    local apply = true
    if op == 'reset' then
      redis.call('DEL', key)
      redis.call('SADD', KEYS[3], name)
    elseif redis.call('EXISTS', key) == 0 then
      apply = false
    end
    if apply then
      redis.call('HSET', key, 'updated_offset', '"' .. id .. '"', unpack(fields))
    end
  end
  redis.call(ARGV[3], KEYS[5], '{"o":"' .. id .. '","p":"' .. prev .. '","e":' .. json .. '}')
  out[#out + 1] = id
  out[#out + 1] = prev
  prev = id
end
redis.call('HSET', KEYS[2], 'last', prev)
return out
`;
