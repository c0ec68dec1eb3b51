package auth

import (
	"context"
	"net/http"

	"connectrpc.com/connect"
)

// RateLimit is the interceptor that limits each AuthService procedure to limit calls per
// minute per client address, for unary and streaming calls alike. A procedure has one bucket
// whichever protocol or spelling of its REST path reached it. The address is the TCP peer,
// or what a trusted proxy says in X-Forwarded-For (TRUSTED_PROXIES).
func (h *Handler) RateLimit(limit int) connect.Interceptor {
	return rateLimit{h, limit}
}

type rateLimit struct {
	handler *Handler
	limit   int
}

func (r rateLimit) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, request connect.AnyRequest) (connect.AnyResponse, error) {
		if err := r.allow(ctx, request.Spec(), request.Peer(), request.Header()); err != nil {
			return nil, err
		}
		return next(ctx, request)
	}
}

func (r rateLimit) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if err := r.allow(ctx, conn.Spec(), conn.Peer(), conn.RequestHeader()); err != nil {
			return err
		}
		return next(ctx, conn)
	}
}

func (rateLimit) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (r rateLimit) allow(ctx context.Context, spec connect.Spec, peer connect.Peer, header http.Header) error {
	return r.handler.allow(ctx, "auth:"+spec.Procedure+":"+r.handler.clientAddress(peer, header), r.limit)
}

// clientAddress is the address of the client that sent a request from peer with header.
func (h *Handler) clientAddress(peer connect.Peer, header http.Header) string {
	return h.proxies.Client(peer.Addr, header.Values("X-Forwarded-For"))
}
