package auth

import (
	"context"
	"net"

	"connectrpc.com/connect"
)

// RateLimit is the interceptor that limits each AuthService procedure to limit calls per
// minute per client address, for unary and streaming calls alike. The address is the TCP
// peer: X-Forwarded-For is not trusted, since any client can set it.
func (h *Handler) RateLimit(limit int) connect.Interceptor {
	return rateLimit{h, limit}
}

type rateLimit struct {
	handler *Handler
	limit   int
}

func (r rateLimit) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, request connect.AnyRequest) (connect.AnyResponse, error) {
		if err := r.allow(ctx, request.Spec(), request.Peer()); err != nil {
			return nil, err
		}
		return next(ctx, request)
	}
}

func (r rateLimit) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if err := r.allow(ctx, conn.Spec(), conn.Peer()); err != nil {
			return err
		}
		return next(ctx, conn)
	}
}

func (rateLimit) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (r rateLimit) allow(ctx context.Context, spec connect.Spec, peer connect.Peer) error {
	return r.handler.allow(ctx, "auth:"+spec.Procedure+":"+clientAddress(peer), r.limit)
}

// clientAddress is the peer's IP address without the port.
func clientAddress(peer connect.Peer) string {
	host, _, err := net.SplitHostPort(peer.Addr)
	if err != nil {
		return peer.Addr
	}
	return host
}
