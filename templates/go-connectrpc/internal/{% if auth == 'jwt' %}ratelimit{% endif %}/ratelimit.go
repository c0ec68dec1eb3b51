// Package ratelimit counts requests per key in fixed one-minute windows.
package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Window is the length of a counting window.
const Window = time.Minute

// Limiter counts requests per key.
type Limiter interface {
	// Allow counts one request under key and reports whether the window still allows it under
	// limit; when it does not, retryAfter is the time left until the window resets.
	Allow(ctx context.Context, key string, limit int) (allowed bool, retryAfter time.Duration)
}

// Memory counts in this process's memory: each replica of the service counts on its own.
type Memory struct {
	mu      sync.Mutex
	windows map[string]window
	now     func() time.Time
}

type window struct {
	ends  time.Time
	count int
}

// NewMemory returns a limiter with no requests counted.
func NewMemory() *Memory {
	return &Memory{windows: map[string]window{}, now: time.Now}
}

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, key string, limit int) (bool, time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	w, ok := m.windows[key]
	if !ok || !now.Before(w.ends) {
		if len(m.windows) > 10_000 {
			m.forgetEnded(now)
		}
		w = window{ends: now.Add(Window)}
	}
	w.count++
	m.windows[key] = w
	if w.count > limit {
		return false, w.ends.Sub(now)
	}
	return true, 0
}

// forgetEnded drops the windows that have ended, so that memory stays bounded. m.mu is held.
func (m *Memory) forgetEnded(now time.Time) {
	for key, w := range m.windows {
		if !now.Before(w.ends) {
			delete(m.windows, key)
		}
	}
}
