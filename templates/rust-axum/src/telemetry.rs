//! Structured logs: one JSON object per line on stdout.

use tracing_subscriber::EnvFilter;

/// Installs the global JSON logger at `level` (`trace`, `debug`, `info`, `warn` or `error`).
pub fn init(level: &str) {
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(EnvFilter::new(level))
        .init();
}
