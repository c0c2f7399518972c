package iotapi

import (
	"math/rand/v2"
	"time"
)

// backoff returns the wait before retry n (from 0): a random time between
// min·2ⁿ and min·2ⁿ⁺¹, capped at max. Full randomness within each doubling
// spreads retries of many clients apart, while the lower bound keeps the
// sequence growing.
func (c *config) backoff(n int) time.Duration {
	lo := c.minBackoff
	for i := 0; i < n && lo < c.maxBackoff; i++ {
		lo *= 2
	}
	if lo >= c.maxBackoff {
		return c.maxBackoff
	}
	return min(lo+time.Duration(c.rand()*float64(lo)), c.maxBackoff)
}

func randFloat() float64 { return rand.Float64() }
