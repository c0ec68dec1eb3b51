package openapi

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestHandlerServesAnOpenAPI31Document(t *testing.T) {
	recorder := httptest.NewRecorder()

	Handler(Base).ServeHTTP(recorder, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))

	if got := recorder.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	var doc struct {
		OpenAPI string                          `json:"openapi"`
		Info    struct{ Title, Version string } `json:"info"`
		Paths   map[string]json.RawMessage      `json:"paths"`
	}
	if err := json.Unmarshal(recorder.Body.Bytes(), &doc); err != nil {
		t.Fatalf("document is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") || doc.Info.Title == "" || doc.Info.Version == "" {
		t.Errorf("openapi %q, info %+v: want 3.1 with a title and version", doc.OpenAPI, doc.Info)
	}
	paths := slices.Sorted(maps.Keys(doc.Paths))
	if want := []string{"/healthz", "/metrics", "/openapi.json", "/readyz"}; !slices.Equal(paths, want) {
		t.Errorf("paths = %q, want %q", paths, want)
	}
}
