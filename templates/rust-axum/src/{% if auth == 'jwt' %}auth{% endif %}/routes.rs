//! `/api/v1/auth`: register, login, refresh, logout; each rate limited per client address.

use axum::extract::{FromRequestParts, MatchedPath, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use super::client::ClientAddress;
use super::password;
use super::refresh::{Presented, RefreshToken};
use super::tokens::{hash_refresh_token, new_refresh_token};
use crate::app::AppState;
use crate::problem::Problem;
use crate::users::routes::created;
use crate::users::{Role, User, now};
use crate::validation::{Body, Check, FromJson};

/// The auth operations of the API document; none needs a token.
#[derive(OpenApi)]
#[openapi(paths(register, login, refresh, logout))]
pub struct Api;

/// The auth routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/register", post(register))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/refresh", post(refresh))
        .route("/api/v1/auth/logout", post(logout))
}

/// A token pair, as login and refresh answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    access_token: String,
    refresh_token: String,
    token_type: &'static str,
    expires_in: u64,
}

/// Registration: email, password and name.
#[derive(ToSchema)]
pub struct Registration {
    /// Unique ignoring case.
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[schema(min_length = 8, max_length = 128)]
    password: String,
    /// Trimmed.
    #[schema(min_length = 1, max_length = 100)]
    name: String,
}

impl FromJson for Registration {
    fn from_json(object: &Map<String, Value>, check: &mut Check) -> Option<Self> {
        let email = check.email(object, "email");
        let password = check.text(object, "password", (8, 128), false);
        let name = check.text(object, "name", (1, 100), true);
        Some(Self {
            email: email?,
            password: password?,
            name: name?,
        })
    }
}

/// Credentials; only their sizes are checked, so a wrong one is a 401 like any other.
#[derive(ToSchema)]
pub struct Credentials {
    #[schema(min_length = 1, max_length = 254)]
    email: String,
    #[schema(min_length = 1, max_length = 128)]
    password: String,
}

impl FromJson for Credentials {
    fn from_json(object: &Map<String, Value>, check: &mut Check) -> Option<Self> {
        let email = check.text(object, "email", (1, 254), false);
        let password = check.text(object, "password", (1, 128), false);
        Some(Self {
            email: email?,
            password: password?,
        })
    }
}

/// A refresh token presented to refresh or logout.
#[derive(ToSchema)]
pub struct Presentation {
    #[schema(min_length = 1, max_length = 512)]
    refresh_token: String,
}

impl FromJson for Presentation {
    fn from_json(object: &Map<String, Value>, check: &mut Check) -> Option<Self> {
        let refresh_token = check.text(object, "refresh_token", (1, 512), false)?;
        Some(Self { refresh_token })
    }
}

/// Extractor: counts the request against `RATE_LIMIT_AUTH` for its route template and client
/// address; 429 beyond it.
pub struct WithinRouteLimit;

impl FromRequestParts<AppState> for WithinRouteLimit {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let Ok(ClientAddress(client)) = ClientAddress::from_request_parts(parts, state).await;
        // The template, never the raw path: every spelling of a route shares its bucket.
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map_or("", MatchedPath::as_str);
        let key = format!("auth:{route}:{client}");
        match state.auth.limiter.hit(&key, state.auth.route_limit).await {
            None => Ok(Self),
            Some(retry_after) => Err(Problem::rate_limited(retry_after)),
        }
    }
}

/// `POST /api/v1/auth/register`: a new account with the role `user`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/register",
    operation_id = "register",
    tag = "auth",
    summary = "Create an account with the user role",
    security(()),
    request_body = Registration,
    responses(
        (status = 201, description = "The user, created.", body = User,
            headers(("Location" = String, description = "The user's URL"))),
        (status = 400, response = Problem),
        (status = 409, response = Problem),
        (status = 415, response = Problem),
        (status = 429, response = Problem),
    )
)]
async fn register(
    _: WithinRouteLimit,
    State(state): State<AppState>,
    Body(registration): Body<Registration>,
) -> Result<Response, Problem> {
    let hash = password::hash(registration.password).await?;
    let user = User::new(
        registration.email,
        registration.name,
        Role::User,
        Some(hash),
    );
    state.users.add(&user).await?;
    Ok(created(&user))
}

/// `POST /api/v1/auth/login`: credentials for a token pair starting a new family.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    operation_id = "login",
    tag = "auth",
    summary = "Exchange credentials for a token pair",
    security(()),
    request_body = Credentials,
    responses(
        (status = 200, description = "A token pair starting a new family.", body = TokenPair),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 415, response = Problem),
        (status = 429, response = Problem),
    )
)]
async fn login(
    _: WithinRouteLimit,
    ClientAddress(client): ClientAddress,
    State(state): State<AppState>,
    Body(credentials): Body<Credentials>,
) -> Result<Json<TokenPair>, Problem> {
    let key = format!("login:{client}:{}", credentials.email.to_lowercase());
    if let Some(retry_after) = state.auth.limiter.hit(&key, state.auth.login_limit).await {
        return Err(Problem::rate_limited(retry_after));
    }
    let user = state.users.by_email(&credentials.email).await?;
    // Verified even for an unknown email, so both failures take the same time.
    let stored = user.as_ref().and_then(|user| user.password_hash.clone());
    let verified = password::verify(stored, credentials.password).await;
    match user {
        Some(user) if verified => issue(&state, &user, Uuid::now_v7()).await,
        _ => Err(Problem::unauthenticated("wrong email or password")),
    }
}

/// `POST /api/v1/auth/refresh`: uses up a refresh token for a new pair in its family. A token
/// used before revokes its family: whoever replays it, attacker or victim, loses the session.
#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    operation_id = "refresh",
    tag = "auth",
    summary = "Rotate a refresh token; reuse revokes its whole family",
    security(()),
    request_body = Presentation,
    responses(
        (status = 200, description = "A new token pair in the same family.", body = TokenPair),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 415, response = Problem),
        (status = 429, response = Problem),
    )
)]
async fn refresh(
    _: WithinRouteLimit,
    State(state): State<AppState>,
    Body(presented): Body<Presentation>,
) -> Result<Json<TokenPair>, Problem> {
    let at = now();
    let hash = hash_refresh_token(&presented.refresh_token);
    let token = match state.auth.refresh_tokens.mark_used(&hash, at).await? {
        Presented::Fresh(token) if token.revoked_at.is_none() && token.expires_at > at => token,
        Presented::Reused(token) => {
            state
                .auth
                .refresh_tokens
                .revoke_family(token.family_id, at)
                .await?;
            tracing::warn!(user_id = %token.user_id, "refresh token reused; family revoked");
            return Err(Problem::unauthenticated(
                "the refresh token was already used; its sessions are revoked",
            ));
        }
        _ => {
            return Err(Problem::unauthenticated(
                "the refresh token is invalid or expired",
            ));
        }
    };
    let user = state
        .users
        .get(token.user_id)
        .await?
        .ok_or_else(|| Problem::unauthenticated("the refresh token's user no longer exists"))?;
    issue(&state, &user, token.family_id).await
}

/// `POST /api/v1/auth/logout`: revokes the presented token's whole family.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    operation_id = "logout",
    tag = "auth",
    summary = "Revoke a refresh token's family",
    security(()),
    request_body = Presentation,
    responses(
        (status = 204, description = "The family is revoked (or the token was unknown)."),
        (status = 400, response = Problem),
        (status = 415, response = Problem),
        (status = 429, response = Problem),
    )
)]
async fn logout(
    _: WithinRouteLimit,
    State(state): State<AppState>,
    Body(presented): Body<Presentation>,
) -> Result<StatusCode, Problem> {
    let at = now();
    let hash = hash_refresh_token(&presented.refresh_token);
    match state.auth.refresh_tokens.mark_used(&hash, at).await? {
        Presented::Fresh(token) | Presented::Reused(token) => {
            state
                .auth
                .refresh_tokens
                .revoke_family(token.family_id, at)
                .await?;
        }
        Presented::Unknown => {}
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A new access token and a new refresh token in `family`.
async fn issue(state: &AppState, user: &User, family: Uuid) -> Result<Json<TokenPair>, Problem> {
    let auth = &state.auth;
    let refresh_token = new_refresh_token();
    auth.refresh_tokens
        .add(&RefreshToken {
            token_hash: hash_refresh_token(&refresh_token),
            family_id: family,
            user_id: user.id,
            expires_at: auth.tokens.refresh_expiry(),
            used_at: None,
            revoked_at: None,
        })
        .await?;
    let access_token = auth.tokens.access_token(user).map_err(|error| {
        tracing::error!(%error, "cannot sign an access token");
        Problem::internal()
    })?;
    Ok(Json(TokenPair {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: auth.tokens.access_ttl_seconds(),
    }))
}
