// Package tracing exports OpenTelemetry traces over OTLP/HTTP with protobuf bodies, only when
// an endpoint is configured. Without one there is no tracer provider and nothing is
// instrumented, so tracing costs nothing.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// New returns a provider exporting spans in batches to endpoint/v1/traces, each carrying the
// resource serviceName; nil when endpoint is "", which means tracing is off. Shutting the
// provider down flushes the spans it still holds.
func New(ctx context.Context, endpoint, serviceName string) (*sdktrace.TracerProvider, error) {
	if endpoint == "" {
		return nil, nil
	}
	// The exporter reads the OTEL_EXPORTER_OTLP_* variables too; the explicit URL wins.
	exporter, err := otlptracehttp.New(ctx,
		otlptracehttp.WithEndpointURL(strings.TrimRight(endpoint, "/")+"/v1/traces"))
	if err != nil {
		return nil, fmt.Errorf("tracing: creating the OTLP exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName(serviceName)))
	if err != nil {
		return nil, fmt.Errorf("tracing: describing the service: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res)), nil
}

// Middleware gives each request for which traced is true a SERVER span from provider, which
// continues the caller's W3C traceparent and is in the context next sees.
func Middleware(provider trace.TracerProvider, traced func(*http.Request) bool, next http.Handler) http.Handler {
	return otelhttp.NewHandler(next, "http.server",
		otelhttp.WithTracerProvider(provider),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithFilter(traced),
	)
}

// SetRoute names the span of ctx after the request's route template, as the semantic
// conventions ask ("GET /api/v1/orders/{id}"). Outside a span it does nothing.
func SetRoute(ctx context.Context, method, route string) {
	span := trace.SpanFromContext(ctx)
	if route == "" || !span.IsRecording() {
		return
	}
	span.SetName(method + " " + route)
	span.SetAttributes(semconv.HTTPRoute(route))
}
