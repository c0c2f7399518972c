-- The Limiter's script: one call gives moments to a queue of waiters.
--
-- KEYS[1]  the log: a list of the moments given out, in microseconds of
--          Redis time, in order; a moment given to a waiter that had to
--          wait is written "moment-wait", so that the log also tells when
--          its last moment was given out
-- ARGV     n, span: at most n moments in any span (microseconds, the
--          window plus its jitter allowance; 2^52 or more is forever);
--          bn, bspan: the same for the burst window (bn 0: none);
--          g, then g moments given back, to remove;
--          then for each waiter, in order, the longest it may wait in
--          microseconds (-1: no bound)
-- Returns  {note, answers}: note says what was wrong with the log, which
--          the script repaired ("" when nothing was); answers holds for
--          each waiter {wait, moment}: the moment it may go, and how long
--          from now that is; moment "" when it got none because the moment
--          would come after its bound (wait -1: never)
--
-- A log the script did not write, or that a clock made wrong, is repaired
-- rather than left to hold callers up:
-- - another type under the key, an entry that is not a moment, moments
--   out of order: the log is dropped, as if empty;
-- - a last moment given out later than now by Redis's clock: the clock went
--   back (a snapshot restored from a Redis whose clock was ahead, a
--   failover to a replica whose clock is behind). Every moment moves back
--   by as much, so the log keeps its shape and no moment holds anyone
--   longer than the limit asks.
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
local note = ''

-- entry reads an entry of the log: its moment, and the wait it was given
-- with (0 for a bare moment); nil when it is not an entry.
local function entry(v)
  if type(v) ~= 'string' then
    return nil
  end
  local m, w = string.match(v, '^(%d+)%-?(%d*)$')
  if not m or #m > 16 or #w > 16 then
    return nil
  end
  return tonumber(m), tonumber(w) or 0
end

local function format(m, w)
  if w > 0 then
    return string.format('%.0f-%.0f', m, w)
  end
  return string.format('%.0f', m)
end

-- drop empties the log, saying why.
local function drop(why)
  redis.call('DEL', key)
  note = why
end

-- check repairs the log when it cannot be used as it is.
local function check()
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' then
    return
  end
  if kind ~= 'list' then
    return drop('a ' .. kind .. ' under the key')
  end
  local first = entry(redis.call('LINDEX', key, 0))
  local last, wait = entry(redis.call('LINDEX', key, -1))
  if not first or not last or first > last then
    return drop('a list that is not a log of moments')
  end
  local ahead = last - wait - now
  if ahead <= 0 then
    return
  end
  local all = redis.call('LRANGE', key, 0, -1)
  redis.call('DEL', key)
  for _, v in ipairs(all) do
    local m, w = entry(v)
    if not m then
      return drop('a list that is not a log of moments')
    end
    m = math.max(0, m - ahead)
    if span >= forever or m + span > now then
      redis.call('RPUSH', key, format(m, w))
    end
  end
  note = string.format('moments given out %.0f us after now by Redis time; moved back', ahead)
end

check()
for i = 6, 5 + g do
  redis.call('LREM', key, -1, ARGV[i])
end
if span < forever then
  local last = entry(redis.call('LINDEX', key, -1))
  if last and last + span <= now then
    redis.call('DEL', key) -- all of it: one step, however long
  end
  while true do
    local head = redis.call('LINDEX', key, 0)
    if not head then
      break
    end
    local m = entry(head)
    if not m then
      drop('a list that is not a log of moments')
      break
    end
    if m + span > now then
      break
    end
    redis.call('LPOP', key)
  end
end

local len = redis.call('LLEN', key)
local last = now
if len > 0 then
  last = math.max(now, entry(redis.call('LINDEX', key, -1)) or now)
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
  local m = entry(redis.call('LINDEX', key, len - count))
  if not m then
    drop('a list that is not a log of moments')
    len, last = 0, now
    return 0
  end
  return m + win
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
      local m = format(slot, wait)
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
return {note, out}
