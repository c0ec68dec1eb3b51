//! The service's OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

use super::{health, metrics};

/// Every operation this service serves.
#[derive(OpenApi)]
#[openapi(
    paths(health::healthz, health::readyz, metrics::metrics, openapi),
    tags((name = "operations", description = "Probes, metrics and this document; never authenticated."))
)]
pub struct ApiDoc;

/// This service's OpenAPI document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "An OpenAPI 3.1 document."))
)]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
