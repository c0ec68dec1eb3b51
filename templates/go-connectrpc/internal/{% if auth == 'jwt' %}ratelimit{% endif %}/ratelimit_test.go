package ratelimit

import (
	"testing"
	"time"
)

func TestMemoryAllowsLimitRequestsPerWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	limiter := NewMemory()
	limiter.now = func() time.Time { return now }

	for i := range 3 {
		if allowed, _ := limiter.Allow(t.Context(), "k", 3); !allowed {
			t.Fatalf("request %d refused within the limit", i+1)
		}
	}
	now = now.Add(20 * time.Second)
	allowed, retryAfter := limiter.Allow(t.Context(), "k", 3)
	if allowed || retryAfter != 40*time.Second {
		t.Errorf("fourth request: allowed = %v, retryAfter = %v; want refused, 40s", allowed, retryAfter)
	}
	if allowed, _ := limiter.Allow(t.Context(), "other", 3); !allowed {
		t.Error("another key shares the count")
	}
	now = now.Add(40 * time.Second)
	if allowed, _ := limiter.Allow(t.Context(), "k", 3); !allowed {
		t.Error("a new window still refuses")
	}
}
