package outbox

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// backlogTimeout bounds the query behind one scrape.
const backlogTimeout = time.Second

var (
	pendingDesc = prometheus.NewDesc("outbox_pending_events",
		"Outbox events not yet published, parked ones included.", nil, nil)
	oldestDesc = prometheus.NewDesc("outbox_oldest_pending_age_seconds",
		"Seconds since the oldest outbox event not yet published was written.", nil, nil)
)

// Backlog is a Prometheus collector of the store's unpublished events, read once per scrape.
type Backlog struct {
	store Store
}

// NewBacklog returns the collector of store's backlog.
func NewBacklog(store Store) Backlog {
	return Backlog{store: store}
}

// Describe implements prometheus.Collector.
func (b Backlog) Describe(descs chan<- *prometheus.Desc) {
	descs <- pendingDesc
	descs <- oldestDesc
}

// Collect implements prometheus.Collector. A store it cannot read gives no samples rather than
// failing the whole scrape.
func (b Backlog) Collect(metrics chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
	defer cancel()
	pending, oldest, err := b.store.Backlog(ctx)
	if err != nil {
		return
	}
	age := 0.0
	if !oldest.IsZero() {
		age = time.Since(oldest).Seconds()
	}
	metrics <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(pending))
	metrics <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
}
