//! Probes for the orchestrator: liveness and readiness.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;

/// Liveness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    status: String,
}

/// Readiness, with each enabled dependency's check.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `unavailable`.
    status: String,
    /// `ok` or `error: <reason>` for each enabled dependency.
    checks: BTreeMap<String, String>,
}

/// Liveness; never checks dependencies.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    security(()),
    responses((status = 200, description = "The process serves HTTP.", body = Health))
)]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}

/// Readiness; checks each enabled dependency.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "Every enabled dependency answered.", body = Readiness),
        (status = 503, description = "A dependency failed, or the service is shutting down.", body = Readiness),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let report = state.readiness.check().await;
    let (status, word) = if report.ready {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    let checks = report
        .checks
        .into_iter()
        .map(|(name, outcome)| (name.to_owned(), outcome))
        .collect();
    (
        status,
        Json(Readiness {
            status: word.to_owned(),
            checks,
        }),
    )
}
