// Package requestid gives every request an id: the caller's X-Request-ID when it is usable,
// else a new UUID. The id is echoed on the response and carried in the request's context.
package requestid

import (
	"context"
	"net/http"

	"github.com/google/uuid"
)

// Header is the request and response header that carries the id.
const Header = "X-Request-ID"

// maxLength bounds an id taken from a caller.
const maxLength = 128

type contextKey struct{}

// NewContext returns a copy of ctx that carries id.
func NewContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, contextKey{}, id)
}

// FromContext returns the id carried by ctx, or "" when it carries none.
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(contextKey{}).(string)
	return id
}

// Middleware sets the id on the response header and in the request's context before calling next.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(Header)
		if !valid(id) {
			id = uuid.NewString()
		}
		w.Header().Set(Header, id)
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), id)))
	})
}

// valid accepts 1 to 128 visible ASCII characters.
func valid(id string) bool {
	if id == "" || len(id) > maxLength {
		return false
	}
	for i := range len(id) {
		if id[i] < '!' || id[i] > '~' {
			return false
		}
	}
	return true
}
