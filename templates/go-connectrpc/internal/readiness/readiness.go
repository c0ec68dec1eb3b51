// Package readiness answers whether the service can take traffic: every enabled dependency
// answers a cheap probe within a short timeout, and the service is not shutting down.
package readiness

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultTimeout bounds each probe: a dependency slower than this is not ready.
const DefaultTimeout = 2 * time.Second

// DefaultMaxAge is how long a report answers later probes: orchestrators, load balancers and
// gRPC health clients may probe many times a second, and each live check costs every
// dependency a round trip.
const DefaultMaxAge = time.Second

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

// Checker runs its checks concurrently on demand, and answers again with its last report
// while that is younger than maxAge. Callers that arrive while the checks run wait for them
// instead of running their own.
type Checker struct {
	checks   []Check
	timeout  time.Duration
	maxAge   time.Duration
	logger   *slog.Logger
	draining atomic.Bool

	mu      sync.Mutex
	last    Report
	lastAt  time.Time
	running chan struct{} // closed when the checks under way end; nil when none run
}

// NewChecker returns a checker running checks, each within timeout, reusing a report for
// maxAge (0: never), logging failures to logger.
func NewChecker(logger *slog.Logger, timeout, maxAge time.Duration, checks ...Check) *Checker {
	return &Checker{checks: checks, timeout: timeout, maxAge: maxAge, logger: logger}
}

// Drain marks the service as shutting down: from now on every report is unavailable at once.
func (c *Checker) Drain() {
	c.draining.Store(true)
}

// Check reports whether every dependency is usable: from the last report if it is recent
// enough, otherwise by probing them all. A report is shared and must not be changed.
func (c *Checker) Check(ctx context.Context) Report {
	for {
		if c.draining.Load() {
			results := make(map[string]string, len(c.checks))
			for _, check := range c.checks {
				results[check.Name] = "error: shutting down"
			}
			return Report{Status: "unavailable", Checks: results}
		}
		c.mu.Lock()
		if !c.lastAt.IsZero() && time.Since(c.lastAt) < c.maxAge {
			report := c.last
			c.mu.Unlock()
			return report
		}
		if running := c.running; running != nil {
			c.mu.Unlock()
			select {
			case <-running: // its report is fresh now
				continue
			case <-ctx.Done():
				return Report{Status: "unavailable", Checks: map[string]string{}}
			}
		}
		running := make(chan struct{})
		c.running = running
		c.mu.Unlock()

		// The checks answer every caller waiting on them, so one caller leaving must not cut
		// them short; each probe is bounded by the timeout.
		report := c.run(context.WithoutCancel(ctx))
		c.mu.Lock()
		c.last, c.lastAt, c.running = report, time.Now(), nil
		c.mu.Unlock()
		close(running)
		return report
	}
}

// run probes every dependency concurrently.
func (c *Checker) run(ctx context.Context) Report {
	results := make(map[string]string, len(c.checks))
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

// reason names a failure with one of a few fixed words, never the error's own text, which may
// carry addresses, user names or driver details: those go to the log only.
func reason(ctx context.Context, err error) string {
	var reasoned interface{ Reason() string } // a probe's own fixed word, such as "migrations pending"
	var sqlState interface{ SQLState() string }
	var certificate *tls.CertificateVerificationError
	var header tls.RecordHeaderError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err):
		return "timeout"
	case errors.As(err, &reasoned):
		return reasoned.Reason()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &sqlState) && strings.HasPrefix(sqlState.SQLState(), "28"), // invalid authorization
		strings.HasPrefix(err.Error(), "WRONGPASS"), strings.HasPrefix(err.Error(), "NOAUTH"):
		return "authentication failed"
	case errors.As(err, &certificate), errors.As(err, &header):
		return "tls handshake failed"
	}
	return "unavailable"
}

// isTimeout reports a network timeout, which some clients return instead of the context's error.
func isTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}
