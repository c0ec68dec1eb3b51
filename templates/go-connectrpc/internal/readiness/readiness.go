// Package readiness answers whether the service can take traffic: every enabled dependency
// answers a cheap probe within a short timeout, and the service is not shutting down.
package readiness

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTimeout bounds each probe: a dependency slower than this is not ready.
const DefaultTimeout = 2 * time.Second

// Probe checks one dependency; a nil error means it is usable.
type Probe func(ctx context.Context) error

// Check is a named probe; the name appears in the readiness report.
type Check struct {
	Name  string
	Probe Probe
}

// Report is the readiness document: the overall status and one entry per check, "ok" or
// "error: <reason>".
type Report struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// Ready reports whether every check passed.
func (r Report) Ready() bool {
	return r.Status == "ready"
}

// Checker runs its checks concurrently on demand.
type Checker struct {
	checks   []Check
	timeout  time.Duration
	logger   *slog.Logger
	draining atomic.Bool
}

// NewChecker returns a checker running checks, each within timeout, logging failures to logger.
func NewChecker(logger *slog.Logger, timeout time.Duration, checks ...Check) *Checker {
	return &Checker{checks: checks, timeout: timeout, logger: logger}
}

// Drain marks the service as shutting down: from now on every report is unavailable at once.
func (c *Checker) Drain() {
	c.draining.Store(true)
}

// Check probes every dependency and reports the outcome.
func (c *Checker) Check(ctx context.Context) Report {
	results := make(map[string]string, len(c.checks))
	if c.draining.Load() {
		for _, check := range c.checks {
			results[check.Name] = "error: shutting down"
		}
		return Report{Status: "unavailable", Checks: results}
	}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for _, check := range c.checks {
		wg.Go(func() {
			result := c.probe(ctx, check)
			mu.Lock()
			defer mu.Unlock()
			results[check.Name] = result
		})
	}
	wg.Wait()
	report := Report{Status: "ready", Checks: results}
	for _, result := range results {
		if result != "ok" {
			report.Status = "unavailable"
		}
	}
	return report
}

func (c *Checker) probe(ctx context.Context, check Check) string {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err := check.Probe(ctx)
	if err == nil {
		return "ok"
	}
	c.logger.WarnContext(ctx, "readiness check failed", "check", check.Name, "error", err.Error())
	return "error: " + reason(ctx, err)
}

// reason names a failure briefly: a timeout as such, anything else by its innermost cause
// (such as "connection refused"), which carries no addresses or credentials.
func reason(ctx context.Context, err error) string {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "timed out"
	}
	for cause := errors.Unwrap(err); cause != nil; cause = errors.Unwrap(cause) {
		err = cause
	}
	return err.Error()
}
