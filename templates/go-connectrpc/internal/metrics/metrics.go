// Package metrics holds the service's Prometheus registry and the HTTP server histogram,
// named as OpenTelemetry's http.server.request.duration is in Prometheus.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// durationBuckets are OpenTelemetry's recommended boundaries for HTTP request durations, in seconds.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// Metrics is one registry with the collectors the service records into.
type Metrics struct {
	registry        *prometheus.Registry
	requestDuration *prometheus.HistogramVec
}

// New returns a registry holding the HTTP server histogram and the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_server_request_duration_seconds",
			Help:    "Duration of HTTP server requests.",
			Buckets: durationBuckets,
		}, []string{"http_request_method", "http_route", "http_response_status_code"}),
	}
	m.registry.MustRegister(
		m.requestDuration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// ObserveRequest records one served request; route is the matched route template, or "" when
// no route matched, never the raw path.
func (m *Metrics) ObserveRequest(method, route string, status int, elapsed time.Duration) {
	m.requestDuration.WithLabelValues(method, route, strconv.Itoa(status)).Observe(elapsed.Seconds())
}

// Register adds collectors of the service's own, such as the outbox backlog, to the registry.
func (m *Metrics) Register(collectors ...prometheus.Collector) {
	m.registry.MustRegister(collectors...)
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
