package auth

import (
	"context"
	"net"

	"connectrpc.com/connect"
)

// RateLimit is the interceptor that limits each AuthService procedure to limit calls per
// minute per client address. The address is the TCP peer: X-Forwarded-For is not trusted,
// since any client can set it.
func (h *Handler) RateLimit(limit int) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, request connect.AnyRequest) (connect.AnyResponse, error) {
			key := "auth:" + request.Spec().Procedure + ":" + clientAddress(request.Peer())
			if err := h.allow(ctx, key, limit); err != nil {
				return nil, err
			}
			return next(ctx, request)
		}
	}
}

// clientAddress is the peer's IP address without the port.
func clientAddress(peer connect.Peer) string {
	host, _, err := net.SplitHostPort(peer.Addr)
	if err != nil {
		return peer.Addr
	}
	return host
}
