/**
 * The governor's two atomic steps, as Redis scripts (Redis' own clock, so workers on machines with
 * skewed clocks still agree). Keys of one connection: KEYS[1] blocked-until (ms), KEYS[2] the
 * lease set (ZSET leaseId → expiry), KEYS[3..] one request log per window (ZSET member → time).
 */

/** ARGV: leaseId, leaseTtlMs, concurrent, cost, then limit and windowMs per window.
 *  `cost`: how many requests of each window this one uses (a batch the ERP counts per operation);
 *  it is one request in flight. → {1, 0} admitted (the lease is held and counted `cost` times in
 *  every window), or {0, waitMs, reason}. */
export const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local blocked = tonumber(redis.call('GET', KEYS[1]) or '0')
if blocked > now then return {0, blocked - now, 'paused'} end
local concurrent = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
if concurrent > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= concurrent then return {0, 0, 'concurrency'} end
end
for i = 3, #KEYS do
  local limit = tonumber(ARGV[3 + (i - 2) * 2])
  local window = tonumber(ARGV[4 + (i - 2) * 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local used = redis.call('ZCARD', KEYS[i])
  if used + cost > limit then
    -- it fits once enough of the oldest have left the window
    local frees = tonumber(redis.call('ZRANGE', KEYS[i], used + cost - limit - 1, used + cost - limit - 1, 'WITHSCORES')[2])
    -- those are still in flight: a slot frees when one of them answers
    if frees > now then return {0, 0, 'in-flight'} end
    return {0, frees + window - now + 1, 'window'}
  end
end
local lease_until = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[2], lease_until, ARGV[1])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]) * 2)
for i = 3, #KEYS do
  local window = tonumber(ARGV[4 + (i - 2) * 2])
  -- counted as "now or later" until the answer: the ERP may count it when it arrives, later than now
  redis.call('ZADD', KEYS[i], lease_until, ARGV[1])
  for k = 2, cost do redis.call('ZADD', KEYS[i], lease_until, ARGV[1] .. ':' .. k) end
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2]) + window * 2)
end
return {1, 0, 'ok'}
`;

/** ARGV: leaseId, pauseMs (0: none), cost, then per window: limit, windowMs, remaining (-1: unknown).
 *  Frees the lease; a pause only ever lengthens; a window the ERP says is fuller than we counted
 *  is filled up to what the ERP says (the ERP's count wins when it is the lower one). */
export const RELEASE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREM', KEYS[2], ARGV[1])
local pause = tonumber(ARGV[2])
if pause > 0 then
  local until_ms = now + pause
  local current = tonumber(redis.call('GET', KEYS[1]) or '0')
  if until_ms > current then redis.call('SET', KEYS[1], until_ms, 'PX', pause) end
end
local cost = tonumber(ARGV[3])
for i = 3, #KEYS do
  local limit = tonumber(ARGV[4 + (i - 3) * 3])
  local window = tonumber(ARGV[5 + (i - 3) * 3])
  local remaining = tonumber(ARGV[6 + (i - 3) * 3])
  -- the request has arrived by now: it counts from its answer (never earlier than the ERP counted it)
  redis.call('ZADD', KEYS[i], 'XX', now, ARGV[1])
  for k = 2, cost do redis.call('ZADD', KEYS[i], 'XX', now, ARGV[1] .. ':' .. k) end
  if remaining >= 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
    local used = redis.call('ZCARD', KEYS[i])
    for k = used + 1, limit - remaining do redis.call('ZADD', KEYS[i], now, ARGV[1] .. ':erp:' .. k) end
  end
  -- never shorten the life of a log that still holds requests in flight
  if redis.call('PTTL', KEYS[i]) < window * 2 then redis.call('PEXPIRE', KEYS[i], window * 2) end
end
return 1
`;
