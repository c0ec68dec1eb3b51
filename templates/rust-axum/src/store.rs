//! What the repositories share: their error type and the paging of their lists.

use std::error::Error;

use utoipa::IntoParams;

use crate::problem::Problem;

/// Why a repository could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another user already has this email address (compared case-insensitively).
    #[error("a user with this email address already exists")]
    DuplicateEmail,
    /// The user a new row belongs to is gone: deleted after the caller's identity was checked.
    #[error("the user this belongs to no longer exists")]
    UserGone,
    /// The store did not answer in time or refused the connection.
    #[error("the store is unavailable: {0}")]
    Unavailable(#[source] Box<dyn Error + Send + Sync>),
    /// Anything else: a bug or a broken schema, never the client's fault.
    #[error("the store failed: {0}")]
    Failed(#[source] Box<dyn Error + Send + Sync>),
}

impl From<StoreError> for Problem {
    /// Storage failures are logged here with their cause; the client learns only the status.
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::DuplicateEmail => {
                Problem::conflict("a user with this email address already exists")
            }
            StoreError::UserGone => Problem::unauthenticated("the caller's user does not exist"),
            StoreError::Unavailable(_) => {
                tracing::error!(%error, "store unavailable");
                Problem::unavailable("the database is unavailable; retry later")
            }
            StoreError::Failed(_) => {
                tracing::error!(%error, "store failed");
                Problem::internal()
            }
        }
    }
}

/// A window into a list: at most `limit` entries after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// How many entries at most: 1 to 100.
    #[param(required = false, minimum = 1, maximum = 100, default = 20)]
    pub limit: i64,
    /// How many entries to skip: 0 or more.
    #[param(required = false, minimum = 0, default = 0)]
    pub offset: i64,
}

impl Default for Paging {
    fn default() -> Self {
        Self {
            limit: 20,
            offset: 0,
        }
    }
}

impl Paging {
    /// The entries of `all` this window shows, for stores that hold the whole list in memory.
    #[must_use]
    pub fn slice<T: Clone>(&self, all: &[T]) -> Vec<T> {
        let skip = usize::try_from(self.offset).unwrap_or(usize::MAX);
        let take = usize::try_from(self.limit).unwrap_or(0);
        all.iter().skip(skip).take(take).cloned().collect()
    }
}
