package iotapi

import (
	"math/rand/v2"
	"time"
)

// backoff returns the wait before retry n (from 0): a random time between
// min·2ⁿ and min·2ⁿ⁺¹, capped at max. Full randomness within each doubling
// spreads retries of many clients apart, while the lower bound keeps the
// sequence growing. It saturates at max for any n, min and max.
func (cfg *config) backoff(n int) time.Duration {
	lo := cfg.minBackoff
	for i := 0; i < n && lo < cfg.maxBackoff; i++ {
		if lo > cfg.maxBackoff/2 {
			return cfg.maxBackoff
		}
		lo *= 2
	}
	if lo >= cfg.maxBackoff {
		return cfg.maxBackoff
	}
	d := float64(lo) * (1 + cfg.rand())
	if d >= float64(cfg.maxBackoff) {
		return cfg.maxBackoff
	}
	return time.Duration(d)
}

func randFloat() float64 { return rand.Float64() }
