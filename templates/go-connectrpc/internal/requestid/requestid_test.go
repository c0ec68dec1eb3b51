package requestid

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// serve runs Middleware for one request with the given X-Request-ID (none when empty) and
// returns the response header's id and the id the handler saw in its context.
func serve(t *testing.T, incoming string) (header, seen string) {
	t.Helper()
	handler := Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen = FromContext(r.Context())
	}))
	request := httptest.NewRequest(http.MethodGet, "/", nil)
	if incoming != "" {
		request.Header.Set(Header, incoming)
	}
	recorder := httptest.NewRecorder()
	handler.ServeHTTP(recorder, request)
	return recorder.Header().Get(Header), seen
}

func TestMiddlewareEchoesAUsableID(t *testing.T) {
	for _, id := range []string{"conformance-42", "a", strings.Repeat("x", 128), "!~"} {
		header, seen := serve(t, id)
		if header != id || seen != id {
			t.Errorf("id %q: header %q, context %q; want it echoed", id, header, seen)
		}
	}
}

func TestMiddlewareReplacesAMissingOrUnusableID(t *testing.T) {
	for _, id := range []string{"", strings.Repeat("x", 129), "has space", "tab\there", "é"} {
		header, seen := serve(t, id)
		if _, err := uuid.Parse(header); err != nil || header == id {
			t.Errorf("id %q: header %q, want a new UUID", id, header)
		}
		if seen != header {
			t.Errorf("id %q: context %q, want the header's %q", id, seen, header)
		}
	}
}

func TestFromContextWithoutAnID(t *testing.T) {
	if got := FromContext(t.Context()); got != "" {
		t.Errorf("FromContext() = %q, want empty", got)
	}
}
