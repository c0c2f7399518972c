package iotapi

import (
	"math/rand/v2"
	"time"
)

// backoff returns the wait before retry n (from 0): a random time between
// min·2ⁿ and min·2ⁿ⁺¹, capped at max. Full randomness within each doubling
// spreads retries of many clients apart, while the lower bound keeps the
// sequence growing.
func (cfg *config) backoff(n int) time.Duration {
	lo := cfg.minBackoff
	for i := 0; i < n && lo < cfg.maxBackoff; i++ {
		lo *= 2
	}
	if lo >= cfg.maxBackoff {
		return cfg.maxBackoff
	}
	return min(lo+time.Duration(cfg.rand()*float64(lo)), cfg.maxBackoff)
}

func randFloat() float64 { return rand.Float64() }
