package cache

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestOutageLogsOncePerOutageAndCountsEveryFailure(t *testing.T) {
	var log bytes.Buffer
	outage := NewOutage(slog.New(slog.NewTextHandler(&log, nil)))
	refused := errors.New("connection refused")

	for range 3 {
		outage.Failed(t.Context(), "read", "reading the database", refused)
	}
	outage.Failed(t.Context(), "write", "reading the database", refused)
	if got := bytes.Count(log.Bytes(), []byte("cache unavailable; reading the database")); got != 1 || !outage.Down() {
		t.Fatalf("after four failures: down = %v, log = %q; want down and one warning", outage.Down(), log.String())
	}
	outage.Succeeded(t.Context())
	outage.Succeeded(t.Context())
	if got := bytes.Count(log.Bytes(), []byte("cache available again")); got != 1 || outage.Down() {
		t.Fatalf("after two successes: down = %v, log = %q; want up and one recovery line", outage.Down(), log.String())
	}
	outage.Failed(t.Context(), "read", "reading the database", refused)
	if got := bytes.Count(log.Bytes(), []byte("cache unavailable")); got != 2 {
		t.Errorf("a second outage logged %d warnings in all, want 2", got)
	}

	registry := prometheus.NewRegistry()
	registry.MustRegister(outage)
	families, err := registry.Gather()
	if err != nil || len(families) != 1 || families[0].GetName() != "cache_errors_total" {
		t.Fatalf("gathered %v (%v), want cache_errors_total", families, err)
	}
	counts := map[string]float64{}
	for _, metric := range families[0].GetMetric() {
		counts[metric.GetLabel()[0].GetValue()] = metric.GetCounter().GetValue()
	}
	if counts["read"] != 4 || counts["write"] != 1 {
		t.Errorf("cache_errors_total = %v, want read 4 and write 1", counts)
	}
}
