package cache

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Outage reports the cache's failures once per outage. The first failure after a success is
// logged as a warning and the first success after it as the end of the outage; every failure
// is counted in cache_errors_total by operation. A cache that is down fails every request, and
// a line per request would bury the one line that matters when the log is read.
type Outage struct {
	logger *slog.Logger
	errors *prometheus.CounterVec
	down   atomic.Bool
}

// NewOutage returns an outage tracker logging to logger; register it with the metrics registry.
func NewOutage(logger *slog.Logger) *Outage {
	return &Outage{
		logger: logger,
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cache_errors_total",
			Help: "Cache operations that failed, by operation; the service went on without the cache.",
		}, []string{"operation"}),
	}
}

// Failed records a failed operation, such as "read" or "rate limit", and what the service
// does instead, logged with the first failure of an outage.
func (o *Outage) Failed(ctx context.Context, operation, instead string, err error) {
	o.errors.WithLabelValues(operation).Inc()
	if o.down.CompareAndSwap(false, true) {
		o.logger.WarnContext(ctx, "cache unavailable; "+instead+" until it answers again",
			"operation", operation, "error", err.Error())
	}
}

// Succeeded records an operation that worked, ending an outage if there was one.
func (o *Outage) Succeeded(ctx context.Context) {
	if o.down.Load() && o.down.CompareAndSwap(true, false) {
		o.logger.InfoContext(ctx, "cache available again")
	}
}

// Down reports whether the last operation failed.
func (o *Outage) Down() bool {
	return o.down.Load()
}

// Describe implements prometheus.Collector.
func (o *Outage) Describe(descs chan<- *prometheus.Desc) {
	o.errors.Describe(descs)
}

// Collect implements prometheus.Collector.
func (o *Outage) Collect(metrics chan<- prometheus.Metric) {
	o.errors.Collect(metrics)
}
