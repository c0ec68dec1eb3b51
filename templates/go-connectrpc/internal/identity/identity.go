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

// Authenticator finds the caller in a request's headers, or fails with an Unauthenticated error.
type Authenticator interface {
	Authenticate(header http.Header) (Caller, error)
}

type contextKey struct{}

// FromContext returns the caller the interceptor authenticated. Handlers behind Interceptor
// always have one; the zero Caller (no id, no role) may do nothing.
func FromContext(ctx context.Context) Caller {
	caller, _ := ctx.Value(contextKey{}).(Caller)
	return caller
}

// NewContext returns a copy of ctx carrying caller.
func NewContext(ctx context.Context, caller Caller) context.Context {
	return context.WithValue(ctx, contextKey{}, caller)
}

// Interceptor authenticates every call to the handlers it guards and refuses anonymous ones.
func Interceptor(authenticator Authenticator) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, request connect.AnyRequest) (connect.AnyResponse, error) {
			caller, err := authenticator.Authenticate(request.Header())
			if err != nil {
				return nil, err
			}
			return next(NewContext(ctx, caller), request)
		}
	}
}
