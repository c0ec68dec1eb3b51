//! Probes for the orchestrator: liveness and readiness.

use axum::{Json, Router, routing::get};
use serde::Serialize;

#[derive(Debug, Serialize)]
struct Status {
    status: &'static str,
}

/// `GET /healthz`: the process is up and serving requests.
async fn healthz() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// `GET /readyz`: the service can take traffic.
async fn readyz() -> Json<Status> {
    Json(Status { status: "ready" })
}

/// The probe routes.
pub fn router() -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}
