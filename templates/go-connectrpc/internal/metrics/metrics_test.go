package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHandlerExposesTheRequestHistogram(t *testing.T) {
	m := New()
	m.ObserveRequest(http.MethodGet, "/api/v1/orders/{id}", http.StatusOK, 30*time.Millisecond)
	m.ObserveRequest(http.MethodGet, "", http.StatusNotFound, time.Millisecond)
	recorder := httptest.NewRecorder()

	m.Handler().ServeHTTP(recorder, httptest.NewRequest(http.MethodGet, "/metrics", nil))

	if got := recorder.Header().Get("Content-Type"); !strings.HasPrefix(got, "text/plain") {
		t.Errorf("Content-Type = %q, want the Prometheus text format", got)
	}
	text := recorder.Body.String()
	for _, want := range []string{
		"# TYPE http_server_request_duration_seconds histogram",
		`http_server_request_duration_seconds_bucket{http_request_method="GET",http_response_status_code="200",http_route="/api/v1/orders/{id}",le="0.05"} 1`,
		`http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="404",http_route=""} 1`,
		"http_server_request_duration_seconds_sum{",
		"go_goroutines ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
