package tracing

import (
	"context"
	"fmt"

	"connectrpc.com/connect"
	"connectrpc.com/otelconnect"
	"go.opentelemetry.io/otel/trace"
)

// RPCInterceptor records each RPC, whichever protocol carried it (Connect, gRPC, gRPC-Web, or
// REST through the transcoder), as a span from provider with otelconnect's rpc.* attributes:
// the system, the method and the status code the protocol answered.
//
// A request has one SERVER span, which Middleware starts around every route with the HTTP
// semantics (http.route, the status). The RPC span is its INTERNAL child: otelconnect would
// start a second SERVER span, and so count the request twice in span-based dashboards.
func RPCInterceptor(provider trace.TracerProvider) (connect.Interceptor, error) {
	interceptor, err := otelconnect.NewInterceptor(
		otelconnect.WithTracerProvider(internalSpans{provider}),
		// Request metrics are Prometheus's, labelled by route (package metrics).
		otelconnect.WithoutMetrics(),
	)
	if err != nil {
		return nil, fmt.Errorf("tracing: instrumenting the RPCs: %w", err)
	}
	return interceptor, nil
}

// internalSpans is a provider whose tracers start only INTERNAL spans.
type internalSpans struct {
	trace.TracerProvider
}

func (p internalSpans) Tracer(name string, options ...trace.TracerOption) trace.Tracer {
	return internalTracer{p.TracerProvider.Tracer(name, options...)}
}

type internalTracer struct {
	trace.Tracer
}

// Start starts an INTERNAL span whatever kind options ask for: the last kind given wins.
func (t internalTracer) Start(ctx context.Context, name string, options ...trace.SpanStartOption) (context.Context, trace.Span) {
	return t.Tracer.Start(ctx, name, append(options, trace.WithSpanKind(trace.SpanKindInternal))...)
}
