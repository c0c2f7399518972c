-- The Limiter's script: one call gives moments to a queue of waiters.
--
-- KEYS[1]  the log: a list of the moments given out, in microseconds of
--          Redis time, oldest first
-- ARGV     n, span: at most n moments in any span (microseconds, the
--          window plus its jitter allowance; 2^52 or more is forever);
--          bn, bspan: the same for the burst window (bn 0: none);
--          g, then g moments given back, to remove;
--          then for each waiter, in order, the longest it may wait in
--          microseconds (-1: no bound)
-- Returns  for each waiter {wait, moment}: the moment it may go, and how
--          long from now that is; moment "" when it got none because the
--          moment would come after its bound (wait -1: never)
if redis.replicate_commands then
  redis.replicate_commands() -- Redis 3.2 to 4: TIME before writes
end
local key = KEYS[1]
local n, span = tonumber(ARGV[1]), tonumber(ARGV[2])
local bn, bspan = tonumber(ARGV[3]), tonumber(ARGV[4])
local g = tonumber(ARGV[5])
local forever = 4503599627370496
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

for i = 6, 5 + g do
  redis.call('LREM', key, -1, ARGV[i])
end
if span < forever then
  while true do
    local head = redis.call('LINDEX', key, 0)
    if not head or tonumber(head) + span > now then
      break
    end
    redis.call('LPOP', key)
  end
end

local len = redis.call('LLEN', key)
local last = now
if len > 0 then
  last = math.max(now, tonumber(redis.call('LINDEX', key, -1)))
end

-- after returns the first moment a window of count per win allows, or
-- nil for never.
local function after(count, win)
  if count <= 0 or len < count then
    return 0
  end
  if win >= forever then
    return nil
  end
  return tonumber(redis.call('LINDEX', key, len - count)) + win
end

local out = {}
for i = 6 + g, #ARGV do
  local bound = tonumber(ARGV[i])
  local a, b = after(n, span), after(bn, bspan)
  if a == nil or b == nil then
    out[#out + 1] = {-1, ''}
  else
    local slot = math.max(last, a, b)
    local wait = slot - now
    if wait > 0 and bound >= 0 and wait >= bound then
      out[#out + 1] = {wait, ''}
    else
      local m = string.format('%.0f', slot)
      redis.call('RPUSH', key, m)
      len, last = len + 1, slot
      out[#out + 1] = {wait, m}
    end
  end
end

if len > 0 then
  if span < forever then
    redis.call('PEXPIRE', key, math.floor((last + span - now) / 1000) + 1)
  else
    redis.call('PERSIST', key)
  end
end
return out
