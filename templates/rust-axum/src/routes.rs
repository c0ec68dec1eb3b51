//! HTTP routes: the probes now, one module per resource as the service grows.

use axum::{Json, Router, routing::get};
use serde::Serialize;

#[derive(Debug, Serialize)]
struct Status {
    status: &'static str,
}

/// Liveness: the process is up and serving requests.
async fn healthz() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// Readiness: the service can take traffic.
async fn readyz() -> Json<Status> {
    Json(Status { status: "ready" })
}

/// The probe routes.
pub fn health() -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}
