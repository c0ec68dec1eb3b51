// Package identity carries the authenticated caller through a request: who they are and what
// role they hold. How a caller is authenticated is up to the Authenticator the service runs with.
package identity

import (
	"context"
	"net/http"

	"connectrpc.com/connect"
	"github.com/google/uuid"
)

// Role is what a user may do: "user" acts on their own data, "admin" on everyone's.
type Role string

// The roles the contract defines.
const (
	RoleUser  Role = "user"
	RoleAdmin Role = "admin"
)

// Caller is the authenticated user behind a request.
type Caller struct {
	UserID uuid.UUID
	Role   Role
}

// IsAdmin reports whether the caller holds the admin role.
func (c Caller) IsAdmin() bool { return c.Role == RoleAdmin }

// MayActOn reports whether the caller may act on the user with id: themself, or anyone as admin.
func (c Caller) MayActOn(id uuid.UUID) bool { return c.IsAdmin() || c.UserID == id }

// MayActOnID is MayActOn for an id as a request spells it. An id that is no UUID names nobody
// but an admin may still ask for: it is refused to anyone else, and left to an admin's request
// rules to name as malformed.
func (c Caller) MayActOnID(raw string) bool {
	if c.IsAdmin() {
		return true
	}
	id, err := uuid.Parse(raw)
	return err == nil && c.MayActOn(id)
}

// Authenticator finds the caller in a request's headers, or fails with an Unauthenticated error.
type Authenticator interface {
	Authenticate(header http.Header) (Caller, error)
}

type contextKey struct{}

// FromContext returns the caller Middleware or Interceptor authenticated. Handlers behind them
// always have one; the zero Caller (no id, no role) may do nothing.
func FromContext(ctx context.Context) Caller {
	caller, _ := ctx.Value(contextKey{}).(Caller)
	return caller
}

// NewContext returns a copy of ctx carrying caller.
func NewContext(ctx context.Context, caller Caller) context.Context {
	return context.WithValue(ctx, contextKey{}, caller)
}

// Interceptor authenticates every call to the handlers it guards, unary and streaming alike,
// and refuses anonymous ones before the handler reads a message.
func Interceptor(authenticator Authenticator) connect.Interceptor {
	return guard{authenticator}
}

type guard struct{ authenticator Authenticator }

func (g guard) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, request connect.AnyRequest) (connect.AnyResponse, error) {
		ctx, err := g.authenticate(ctx, request.Header())
		if err != nil {
			return nil, err
		}
		return next(ctx, request)
	}
}

func (g guard) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		ctx, err := g.authenticate(ctx, conn.RequestHeader())
		if err != nil {
			return err
		}
		return next(ctx, conn)
	}
}

// authenticate keeps the caller Middleware already found, so a token is verified once per request.
func (g guard) authenticate(ctx context.Context, header http.Header) (context.Context, error) {
	if _, known := ctx.Value(contextKey{}).(Caller); known {
		return ctx, nil
	}
	caller, err := g.authenticator.Authenticate(header)
	if err != nil {
		return ctx, err
	}
	return NewContext(ctx, caller), nil
}

// WrapStreamingClient leaves outgoing calls alone: the guard is for the handlers it serves.
func (guard) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// Middleware authenticates every request whose path public does not open, whatever the protocol
// and the RPC kind, before anything reads its body: a new route is private until it is listed.
// refuse answers the requests it turns away.
func Middleware(authenticator Authenticator, public func(path string) bool, refuse func(http.ResponseWriter, *http.Request, error), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if public(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		caller, err := authenticator.Authenticate(r.Header)
		if err != nil {
			refuse(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), caller)))
	})
}
