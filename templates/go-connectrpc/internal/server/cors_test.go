package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var allowedOrigins = []string{"https://app.example.com", "https://admin.example.com"}

// crossOrigin sends a request from origin through allowCrossOrigin(origins) to a handler
// answering 200, and returns the recorded response.
func crossOrigin(origins []string, method, origin string, header http.Header) *httptest.ResponseRecorder {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	request := httptest.NewRequest(method, "/api/v1/orders", nil)
	for name, values := range header {
		request.Header[name] = values
	}
	request.Header.Set("Origin", origin)
	recorder := httptest.NewRecorder()
	allowCrossOrigin(origins, ok).ServeHTTP(recorder, request)
	return recorder
}

// preflight is what a browser sends before a PATCH with a bearer token: the header names in
// lower case and sorted, as the Fetch standard has them.
var preflight = http.Header{
	"Access-Control-Request-Method":  {"PATCH"},
	"Access-Control-Request-Headers": {"authorization,connect-protocol-version,content-type,x-request-id"},
}

func TestCORSPreflightFromAnAllowedOriginEchoesIt(t *testing.T) {
	response := crossOrigin(allowedOrigins, http.MethodOptions, "https://admin.example.com", preflight)

	header := response.Header()
	if response.Code != http.StatusNoContent || header.Get("Access-Control-Allow-Origin") != "https://admin.example.com" {
		t.Fatalf("preflight = %d, %v; want 204 echoing the origin", response.Code, header)
	}
	if !strings.Contains(header.Get("Access-Control-Allow-Methods"), "PATCH") {
		t.Errorf("Access-Control-Allow-Methods = %q, want PATCH", header.Get("Access-Control-Allow-Methods"))
	}
	allowedHeaders := strings.ToLower(header.Get("Access-Control-Allow-Headers"))
	for _, name := range []string{"authorization", "content-type", "x-request-id", "connect-protocol-version"} {
		if !strings.Contains(allowedHeaders, name) {
			t.Errorf("Access-Control-Allow-Headers = %q, want %s", allowedHeaders, name)
		}
	}
	if !strings.Contains(strings.Join(header.Values("Vary"), ","), "Origin") {
		t.Errorf("Vary = %q, want Origin", header.Values("Vary"))
	}
	if header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("Access-Control-Allow-Credentials is set; credentials are never allowed")
	}
}

func TestCORSResponseExposesTheContractHeaders(t *testing.T) {
	response := crossOrigin(allowedOrigins, http.MethodGet, "https://app.example.com", nil)

	header := response.Header()
	if response.Code != http.StatusOK || header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Fatalf("response = %d, %v; want 200 echoing the origin", response.Code, header)
	}
	exposed := strings.ToLower(header.Get("Access-Control-Expose-Headers"))
	for _, name := range []string{"x-request-id", "location", "retry-after", "grpc-status"} {
		if !strings.Contains(exposed, name) {
			t.Errorf("Access-Control-Expose-Headers = %q, want %s", exposed, name)
		}
	}
}

func TestCORSIgnoresOtherOrigins(t *testing.T) {
	for _, method := range []string{http.MethodOptions, http.MethodGet} {
		response := crossOrigin(allowedOrigins, method, "https://evil.example.com", preflight)

		if got := response.Header().Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("%s from another origin: Access-Control-Allow-Origin = %q, want none", method, got)
		}
	}
}

func TestCORSIsOffWithoutOrigins(t *testing.T) {
	response := crossOrigin(nil, http.MethodGet, "https://app.example.com", nil)

	for name := range response.Header() {
		if strings.HasPrefix(name, "Access-Control-") || name == "Vary" {
			t.Errorf("without origins the response carries %s", name)
		}
	}
}
