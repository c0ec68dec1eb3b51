package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRouteTemplateKeepsThePatternPathOnly(t *testing.T) {
	tests := map[string]string{
		"GET /api/v1/orders/{id}":          "/api/v1/orders/{id}",
		"/orders.v1.InfoService/":          "/orders.v1.InfoService/",
		"PATCH /api/v1/orders/{id}/status": "/api/v1/orders/{id}/status",
		"":                                 "",
	}
	for pattern, want := range tests {
		if got := routeTemplate(pattern); got != want {
			t.Errorf("routeTemplate(%q) = %q, want %q", pattern, got, want)
		}
	}
}

func TestMethodLabelFoldsNonstandardMethods(t *testing.T) {
	for method, want := range map[string]string{"GET": "GET", "PATCH": "PATCH", "PROPFIND": "_OTHER", "get": "_OTHER"} {
		if got := methodLabel(method); got != want {
			t.Errorf("methodLabel(%q) = %q, want %q", method, got, want)
		}
	}
}

func TestRecoverPanicsAnswersAnInternalProblemAndLogsTheCause(t *testing.T) {
	var log bytes.Buffer
	handler := recoverPanics(slog.New(slog.NewJSONHandler(&log, nil)), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("database handle is nil")
	}))
	recorder := httptest.NewRecorder()

	handler.ServeHTTP(recorder, httptest.NewRequest(http.MethodGet, "/api/v1/orders", nil))

	var body map[string]any
	if err := json.Unmarshal(recorder.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if recorder.Code != http.StatusInternalServerError || body["type"] != "urn:problem-type:internal" {
		t.Errorf("response = %d %v, want a 500 internal problem", recorder.Code, body)
	}
	if strings.Contains(recorder.Body.String(), "database handle") {
		t.Error("the response leaks the panic's cause")
	}
	if !strings.Contains(log.String(), "database handle is nil") {
		t.Errorf("log %q lacks the panic's cause", log.String())
	}
}

func TestRecoverPanicsLetsAbortHandlerThrough(t *testing.T) {
	handler := recoverPanics(slog.New(slog.DiscardHandler), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	defer func() {
		if recover() != http.ErrAbortHandler {
			t.Error("http.ErrAbortHandler was swallowed")
		}
	}()

	handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
}

func TestStatusRecorderKeepsTheFirstFinalStatus(t *testing.T) {
	recorder := &statusRecorder{ResponseWriter: httptest.NewRecorder(), status: http.StatusOK}

	recorder.WriteHeader(http.StatusEarlyHints)
	recorder.WriteHeader(http.StatusCreated)
	recorder.WriteHeader(http.StatusInternalServerError)

	if recorder.status != http.StatusCreated {
		t.Errorf("status = %d, want 201", recorder.status)
	}
}

func TestStatusRecorderFlushesThrough(t *testing.T) {
	underlying := httptest.NewRecorder()
	recorder := &statusRecorder{ResponseWriter: underlying, status: http.StatusOK}

	recorder.Flush()

	if !underlying.Flushed {
		t.Error("Flush() did not reach the underlying writer")
	}
}
