//! The bare axum baseline of the rust-axum template, for bench/load.py: built from the generated
//! project's own Cargo.toml and Cargo.lock (same crates, versions, features and release profile),
//! doing only the essential work of three routes.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgPool, PgPoolOptions};

#[derive(Clone)]
struct Twin {
    pool: PgPool,
    cache: ConnectionManager,
    key: DecodingKey,
    validation: Validation,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
}

#[derive(Deserialize, Serialize)]
struct Item {
    sku: String,
    name: String,
    quantity: i32,
    unit_price_cents: i64,
    #[serde(default)]
    line_total_cents: i64,
}

#[derive(Deserialize)]
struct NewOrder {
    currency: String,
    items: Vec<Item>,
}

#[derive(Serialize)]
struct Order {
    id: uuid::Uuid,
    user_id: uuid::Uuid,
    status: &'static str,
    currency: String,
    items: Vec<Item>,
    total_cents: i64,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is required"))
}

#[tokio::main]
async fn main() {
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy(&env("DATABASE_URL"))
        .expect("DATABASE_URL");
    let client = redis::Client::open(env("CACHE_URL")).expect("CACHE_URL");
    let cache = ConnectionManager::new(client).await.expect("cache");
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[env("JWT_ISSUER")]);
    validation.set_required_spec_claims(&["sub", "iss", "iat", "exp"]);
    let twin = Twin { pool, cache, key: DecodingKey::from_secret(env("JWT_SECRET").as_bytes()), validation };
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/users/me", get(me))
        .route("/api/v1/orders", post(create_order))
        .with_state(twin);
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", env("APP_PORT").parse::<u16>().expect("APP_PORT")))
        .await
        .expect("bind");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal");
            term.recv().await;
        })
        .await
        .expect("serve");
}

async fn healthz() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], r#"{"status":"ok"}"#).into_response()
}

impl Twin {
    fn caller(&self, headers: &HeaderMap) -> Option<uuid::Uuid> {
        let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let token = value.strip_prefix("Bearer ")?;
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).ok()?;
        data.claims.sub.parse().ok()
    }
}

async fn me(State(twin): State<Twin>, headers: HeaderMap) -> Response {
    let Some(user) = twin.caller(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let cached: Option<Vec<u8>> =
        redis::cmd("GET").arg(format!("user:{user}")).query_async(&mut twin.cache.clone()).await.ok().flatten();
    // The bench warms the key first: a miss is a broken run, not a path to measure.
    match cached {
        Some(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

async fn create_order(State(twin): State<Twin>, headers: HeaderMap, Json(body): Json<NewOrder>) -> Response {
    let Some(user_id) = twin.caller(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let now = chrono::Utc::now();
    let mut order = Order {
        id: uuid::Uuid::now_v7(),
        user_id,
        status: "pending",
        currency: body.currency,
        items: body.items,
        total_cents: 0,
        created_at: now,
        updated_at: now,
    };
    for item in &mut order.items {
        item.line_total_cents = i64::from(item.quantity) * item.unit_price_cents;
        order.total_cents += item.line_total_cents;
    }
    let payload = serde_json::to_value(&order).expect("an order serialises");
    match insert(&twin.pool, &order, &payload).await {
        Ok(()) => {
            let location = format!("/api/v1/orders/{}", order.id);
            (StatusCode::CREATED, [(header::LOCATION, location)], Json(payload)).into_response()
        }
        Err(error) => {
            eprintln!("insert: {error}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The order, its items (one statement over arrays) and its outbox row, in one transaction.
async fn insert(pool: &PgPool, order: &Order, payload: &serde_json::Value) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO orders (id, user_id, status, currency, total_cents, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(order.id)
    .bind(order.user_id)
    .bind(order.status)
    .bind(&order.currency)
    .bind(order.total_cents)
    .bind(order.created_at)
    .execute(&mut *tx)
    .await?;
    let items = &order.items;
    sqlx::query(
        "INSERT INTO order_items (order_id, line_no, sku, name, quantity, unit_price_cents, line_total_cents)
         SELECT $1, * FROM UNNEST($2::int[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::bigint[])",
    )
    .bind(order.id)
    .bind((1..).take(items.len()).collect::<Vec<i32>>())
    .bind(items.iter().map(|item| item.sku.clone()).collect::<Vec<_>>())
    .bind(items.iter().map(|item| item.name.clone()).collect::<Vec<_>>())
    .bind(items.iter().map(|item| item.quantity).collect::<Vec<_>>())
    .bind(items.iter().map(|item| item.unit_price_cents).collect::<Vec<_>>())
    .bind(items.iter().map(|item| item.line_total_cents).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO outbox (id, aggregate_id, type, payload, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(uuid::Uuid::now_v7())
        .bind(order.id)
        .bind("order.created")
        .bind(payload)
        .bind(order.created_at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
