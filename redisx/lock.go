package redisx

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// A Redis lock (the TokenCache's refresh lock) is a string key holding its
// holder's value, with an expiry so that a holder that dies holds the
// others up only that long.

// lockScript takes the lock KEYS[1] for holder ARGV[1] for ARGV[2] ms if
// no one holds it, or if ARGV[3] is "1" and ARGV[1] already does (an
// earlier attempt its caller gave up on went through). It returns {1,
// note} when ARGV[1] holds the lock now, {0, note} when another does.
//
// What no holder could have left is repaired, noted in note ("" for
// nothing): another type under the key is replaced; a lock with no expiry
// (a snapshot restored without its TTL) or a longer one is given ARGV[2],
// so no lock holds anyone up for longer.
var lockScript = redis.NewScript(`
local ttl = tonumber(ARGV[2])
local kind = redis.call('TYPE', KEYS[1])['ok']
local note = ''
if kind ~= 'none' and kind ~= 'string' then
  redis.call('DEL', KEYS[1])
  note = 'a ' .. kind .. ' under the lock key'
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ttl) then return {1, note} end
if ARGV[3] == '1' and redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {1, note}
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  note = 'a lock with no expiry'
elseif left > ttl then
  note = 'a lock expiring in ' .. left .. ' ms'
else
  return {0, note}
end
redis.call('PEXPIRE', KEYS[1], ttl)
return {0, note}`)

// takeLock takes the lock key for holder for ttl (at least a
// millisecond); see lockScript. With ours, a lock holder already holds is
// taken; without it (a lease that one holder may hold for several
// callers), it is not.
func takeLock(ctx context.Context, r *redisCalls, key, holder string, ttl time.Duration, ours bool) (held bool, note string, err error) {
	again := "0"
	if ours {
		again = "1"
	}
	ms := max(ttl.Milliseconds(), 1)
	res, err := bounded(ctx, r, func(ctx context.Context, rdb redis.UniversalClient) ([]any, error) {
		return lockScript.Run(ctx, rdb, []string{key}, holder, ms, again).Slice()
	})
	if err != nil {
		return false, "", err
	}
	if len(res) != 2 {
		return false, "", errReply
	}
	n, _ := res[0].(int64)
	note, _ = res[1].(string)
	return n == 1, note, nil
}

// releaseScript deletes the lock KEYS[1] only if ARGV[1] still holds it.
var releaseScript = redis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`)

// releaseLock gives back the lock key if holder still holds it; when
// Redis does not answer, the lock expires on its own.
func releaseLock(ctx context.Context, r *redisCalls, key, holder string) error {
	_, err := bounded(ctx, r, func(ctx context.Context, rdb redis.UniversalClient) (any, error) {
		return releaseScript.Run(ctx, rdb, []string{key}, holder).Result()
	})
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	return err
}

// A Redis reply that is not what the scripts return.
var errReply = errors.New("redisx: unexpected reply from Redis")
