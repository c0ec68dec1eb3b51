//! `/api/v1/orders`: placing orders, reading them, moving them along their lifecycle.

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde_json::{Map, Value};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use super::{Order, OrderItem, Status};
use crate::app::AppState;
use crate::identity::Caller;
use crate::problem::Problem;
use crate::store::Paging;
use crate::validation::{Body, Check, FromJson, Page, PathId};

/// The order operations of the API document.
#[derive(OpenApi)]
#[openapi(paths(create, list, read, change_status))]
pub struct Api;

/// The order routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders", get(list).post(create))
        .route("/api/v1/orders/{id}", get(read))
        .route("/api/v1/orders/{id}/status", patch(change_status))
}

/// A new order: a currency and 1–100 items; any totals the client sends are ignored.
#[derive(ToSchema)]
pub struct NewOrder {
    /// ISO 4217: three upper-case letters.
    #[schema(pattern = "^[A-Z]{3}$", example = "EUR")]
    currency: String,
    /// The order's lines, in the order given.
    #[schema(min_items = 1, max_items = 100)]
    items: Vec<NewItem>,
}

/// One line of a new order; the server computes its total.
#[derive(ToSchema)]
pub struct NewItem {
    /// The product's stock-keeping unit.
    #[schema(min_length = 1, max_length = 64)]
    sku: String,
    /// The product's name.
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// How many units.
    #[schema(minimum = 1, maximum = 1000)]
    quantity: i32,
    /// The price of one unit in minor units of the currency.
    #[schema(minimum = 0, maximum = 100_000_000)]
    unit_price_cents: i64,
}

impl From<NewItem> for OrderItem {
    fn from(item: NewItem) -> Self {
        OrderItem::new(item.sku, item.name, item.quantity, item.unit_price_cents)
    }
}

impl FromJson for NewOrder {
    fn from_json(object: &Map<String, Value>, check: &mut Check) -> Option<Self> {
        let currency = check.text(object, "currency", (3, 3), false);
        let currency = currency.filter(|code| {
            let valid = code.chars().all(|c| c.is_ascii_uppercase());
            if !valid {
                check.fail("currency", "must be three upper-case letters (ISO 4217)");
            }
            valid
        });
        let items = check.objects(object, "items", (1, 100)).map(|entries| {
            entries
                .iter()
                .enumerate()
                .map(|(index, entry)| item(entry, &format!("items[{index}]"), check))
                .collect::<Option<Vec<_>>>()
        });
        Some(Self {
            currency: currency?,
            items: items.flatten()?,
        })
    }
}

fn item(entry: &Map<String, Value>, path: &str, check: &mut Check) -> Option<NewItem> {
    let sku = check.text(entry, &format!("{path}.sku"), (1, 64), false);
    let name = check.text(entry, &format!("{path}.name"), (1, 200), false);
    let quantity = check.integer(entry, &format!("{path}.quantity"), (1, 1000));
    let price = check.integer(entry, &format!("{path}.unit_price_cents"), (0, 100_000_000));
    Some(NewItem {
        sku: sku?,
        name: name?,
        quantity: i32::try_from(quantity?).ok()?,
        unit_price_cents: price?,
    })
}

/// The status an order should move to.
#[derive(ToSchema)]
pub struct StatusChange {
    status: Status,
}

impl FromJson for StatusChange {
    fn from_json(object: &Map<String, Value>, check: &mut Check) -> Option<Self> {
        let status = object
            .get("status")
            .and_then(Value::as_str)
            .and_then(Status::parse);
        if status.is_none() {
            check.fail(
                "status",
                "must be one of pending, paid, shipped, delivered, cancelled",
            );
        }
        Some(Self { status: status? })
    }
}

/// `POST /api/v1/orders`: a pending order of the caller's.
#[utoipa::path(
    post,
    path = "/api/v1/orders",
    operation_id = "createOrder",
    tag = "orders",
    summary = "Place an order; the server computes every total",
    request_body = NewOrder,
    responses(
        (status = 201, description = "The order, pending.", body = Order,
            headers(("Location" = String, description = "The order's URL"))),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 415, response = Problem),
    )
)]
async fn create(
    caller: Caller,
    State(state): State<AppState>,
    Body(new): Body<NewOrder>,
) -> Result<Response, Problem> {
    // A token outlives its user, and a gateway may name an id this service never created.
    if state.users.get(caller.user_id).await?.is_none() {
        return Err(Problem::unauthenticated("the caller's user does not exist"));
    }
    let items = new.items.into_iter().map(OrderItem::from).collect();
    let order = Order::place(caller.user_id, new.currency, items);
    state.orders.add(&order).await?;
    let location = format!("/api/v1/orders/{}", order.id);
    Ok((StatusCode::CREATED, [(LOCATION, location)], Json(order)).into_response())
}

/// `GET /api/v1/orders`: the caller's orders, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/orders",
    operation_id = "listOrders",
    tag = "orders",
    summary = "The caller's orders, newest first",
    params(Paging),
    responses(
        (status = 200, description = "A page of the caller's orders.", body = Page<Order>),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
    )
)]
async fn list(
    caller: Caller,
    paging: Paging,
    State(state): State<AppState>,
) -> Result<Json<Page<Order>>, Problem> {
    let (orders, total) = state.orders.page_for(caller.user_id, paging).await?;
    Ok(Json(Page::new(orders, paging, total)))
}

/// `GET /api/v1/orders/{id}`: one order (owner or admin).
#[utoipa::path(
    get,
    path = "/api/v1/orders/{id}",
    operation_id = "getOrder",
    tag = "orders",
    summary = "One order (owner or admin; to anyone else it does not exist)",
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The order.", body = Order),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 404, response = Problem),
    )
)]
async fn read(
    caller: Caller,
    PathId(id): PathId,
    State(state): State<AppState>,
) -> Result<Json<Order>, Problem> {
    visible(&state, caller, id).await.map(Json)
}

/// `PATCH /api/v1/orders/{id}/status`: an allowed move; owners may only cancel.
#[utoipa::path(
    patch,
    path = "/api/v1/orders/{id}/status",
    operation_id = "changeOrderStatus",
    tag = "orders",
    summary = "Move an order along an allowed transition (owners may only cancel)",
    params(("id" = Uuid, Path, description = "The order's id")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "The order, moved.", body = Order),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 415, response = Problem),
    )
)]
async fn change_status(
    caller: Caller,
    PathId(id): PathId,
    State(state): State<AppState>,
    Body(change): Body<StatusChange>,
) -> Result<Json<Order>, Problem> {
    let order = visible(&state, caller, id).await?;
    if !caller.is_admin() && change.status != Status::Cancelled {
        return Err(Problem::forbidden("an order's owner may only cancel it"));
    }
    let moved = order.moved_to(change.status).map_err(|refused| {
        Problem::invalid_transition(refused.from.as_str(), refused.to.as_str())
    })?;
    // Compare and set: of concurrent moves from one status, one wins and the others are refused.
    if !state.orders.update_status(&moved, order.status).await? {
        return Err(
            Problem::invalid_transition(order.status.as_str(), change.status.as_str())
                .with_detail("the order left that status meanwhile; read it and retry"),
        );
    }
    Ok(Json(moved))
}

/// The order if the caller owns it or is an admin; to anyone else it does not exist.
async fn visible(state: &AppState, caller: Caller, id: Uuid) -> Result<Order, Problem> {
    state
        .orders
        .get(id)
        .await?
        .filter(|order| caller.may_act_for(order.user_id))
        .ok_or_else(|| Problem::not_found("no such order"))
}
