//! Users in PostgreSQL. Every query is checked against the schema at compile time (`.sqlx/`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{Role, User, UserChanges, UserRepository, now};
use crate::store::{Paging, StoreError};

/// Users in the `users` table.
#[derive(Debug, Clone)]
pub struct PgUsers {
    pool: PgPool,
}

impl PgUsers {
    /// Users kept through `pool`.
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// A `users` row as the queries select it.
struct Row {
    id: Uuid,
    email: String,
    name: String,
    role: String,
    password_hash: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<Row> for User {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let role = Role::parse(&row.role)
            .ok_or_else(|| StoreError::Failed(format!("unknown role {:?}", row.role).into()))?;
        Ok(Self {
            id: row.id,
            email: row.email,
            name: row.name,
            role,
            password_hash: row.password_hash,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[async_trait]
impl UserRepository for PgUsers {
    async fn add(&self, user: &User) -> Result<(), StoreError> {
        sqlx::query!(
            "INSERT INTO users (id, email, name, password_hash, role, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            user.id,
            user.email,
            user.name,
            user.password_hash,
            user.role.as_str(),
            user.created_at,
            user.updated_at,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn get(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        sqlx::query_as!(
            Row,
            "SELECT id, email, name, role, password_hash, created_at, updated_at
             FROM users WHERE id = $1",
            id,
        )
        .fetch_optional(&self.pool)
        .await?
        .map(User::try_from)
        .transpose()
    }

    async fn by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        sqlx::query_as!(
            Row,
            "SELECT id, email, name, role, password_hash, created_at, updated_at
             FROM users WHERE lower(email) = lower($1)",
            email,
        )
        .fetch_optional(&self.pool)
        .await?
        .map(User::try_from)
        .transpose()
    }

    async fn page(&self, paging: Paging) -> Result<(Vec<User>, i64), StoreError> {
        let rows = sqlx::query_as!(
            Row,
            "SELECT id, email, name, role, password_hash, created_at, updated_at
             FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2",
            paging.limit,
            paging.offset,
        )
        .fetch_all(&self.pool)
        .await?;
        let total = sqlx::query_scalar!(r#"SELECT count(*) AS "total!" FROM users"#)
            .fetch_one(&self.pool)
            .await?;
        let users = rows
            .into_iter()
            .map(User::try_from)
            .collect::<Result<_, _>>()?;
        Ok((users, total))
    }

    async fn update(&self, id: Uuid, changes: &UserChanges) -> Result<Option<User>, StoreError> {
        sqlx::query_as!(
            Row,
            "UPDATE users SET
                 email = coalesce($2, email),
                 name = coalesce($3, name),
                 role = coalesce($4, role),
                 password_hash = coalesce($5, password_hash),
                 updated_at = $6
             WHERE id = $1
             RETURNING id, email, name, role, password_hash, created_at, updated_at",
            id,
            changes.email,
            changes.name,
            changes.role.map(Role::as_str),
            changes.password_hash,
            now(),
        )
        .fetch_optional(&self.pool)
        .await?
        .map(User::try_from)
        .transpose()
    }

    async fn delete(&self, id: Uuid) -> Result<bool, StoreError> {
        let deleted = sqlx::query!("DELETE FROM users WHERE id = $1", id)
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected() > 0)
    }
}
