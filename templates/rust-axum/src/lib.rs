//! The service as a library, so the binary and the integration tests serve the same application.

pub mod config;
pub mod routes;
pub mod server;
pub mod telemetry;

use axum::Router;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The whole HTTP application: every route, with request logging.
pub fn app() -> Router {
    Router::new().merge(routes::health::router()).layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
            .on_response(DefaultOnResponse::new().level(Level::INFO)),
    )
}
