//! Rotating refresh tokens: each refresh uses up the presented token and issues the next one in
//! its family; presenting a used token again revokes the whole family.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::store::StoreError;

/// A stored refresh token: only the hash of the value the client holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// SHA-256 of the token, hex-encoded.
    pub token_hash: String,
    /// Every token descended from one login shares its family.
    pub family_id: Uuid,
    /// Whose session this is.
    pub user_id: Uuid,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// When the token was exchanged; a token is good for one exchange.
    pub used_at: Option<DateTime<Utc>>,
    /// When the token's family was revoked (logout, reuse, deleted user).
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What presenting a token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// No token has that hash.
    Unknown,
    /// The token had not been used; it is now.
    Fresh(RefreshToken),
    /// The token had been used before: someone replays it.
    Reused(RefreshToken),
}

/// Where refresh tokens are kept.
#[async_trait]
pub trait RefreshTokenRepository: Send + Sync {
    /// Stores a newly issued token.
    async fn add(&self, token: &RefreshToken) -> Result<(), StoreError>;

    /// Marks the token with `token_hash` used at `at`, atomically, and says what it was before.
    async fn mark_used(&self, token_hash: &str, at: DateTime<Utc>)
    -> Result<Presented, StoreError>;

    /// Revokes every token of `family_id`.
    async fn revoke_family(&self, family_id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;

    /// Revokes every token of `user_id`.
    async fn revoke_user(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;
}

/// Refresh tokens in process memory, by hash.
#[derive(Debug, Default)]
pub struct MemoryRefreshTokens {
    tokens: Mutex<HashMap<String, RefreshToken>>,
}

impl MemoryRefreshTokens {
    fn tokens(&self) -> MutexGuard<'_, HashMap<String, RefreshToken>> {
        // Every change is a single assignment, so a poisoned lock holds consistent data.
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn revoke_where(&self, at: DateTime<Utc>, matches: impl Fn(&RefreshToken) -> bool) {
        for token in self.tokens().values_mut().filter(|token| matches(token)) {
            token.revoked_at.get_or_insert(at);
        }
    }
}

#[async_trait]
impl RefreshTokenRepository for MemoryRefreshTokens {
    async fn add(&self, token: &RefreshToken) -> Result<(), StoreError> {
        self.tokens()
            .insert(token.token_hash.clone(), token.clone());
        Ok(())
    }

    async fn mark_used(
        &self,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Presented, StoreError> {
        let mut tokens = self.tokens();
        let Some(token) = tokens.get_mut(token_hash) else {
            return Ok(Presented::Unknown);
        };
        let mut before = token.clone();
        if token.used_at.is_some() {
            return Ok(Presented::Reused(before));
        }
        token.used_at = Some(at);
        // Revoked once any token of its family is (see the PostgreSQL store).
        let family = before.family_id;
        before.revoked_at = before.revoked_at.or_else(|| {
            tokens
                .values()
                .filter(|other| other.family_id == family)
                .find_map(|other| other.revoked_at)
        });
        Ok(Presented::Fresh(before))
    }

    async fn revoke_family(&self, family_id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.revoke_where(at, |token| token.family_id == family_id);
        Ok(())
    }

    async fn revoke_user(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.revoke_where(at, |token| token.user_id == user_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::now;

    fn token(family_id: Uuid) -> RefreshToken {
        RefreshToken {
            token_hash: Uuid::now_v7().to_string(),
            family_id,
            user_id: Uuid::now_v7(),
            expires_at: now(),
            used_at: None,
            revoked_at: None,
        }
    }

    #[tokio::test]
    async fn a_token_is_fresh_once_then_reused() {
        let tokens = MemoryRefreshTokens::default();
        let first = token(Uuid::now_v7());
        tokens.add(&first).await.unwrap();
        assert_eq!(
            tokens.mark_used(&first.token_hash, now()).await.unwrap(),
            Presented::Fresh(first.clone())
        );
        assert!(matches!(
            tokens.mark_used(&first.token_hash, now()).await.unwrap(),
            Presented::Reused(_)
        ));
        assert_eq!(
            tokens.mark_used("unknown", now()).await.unwrap(),
            Presented::Unknown
        );
    }

    #[tokio::test]
    async fn revoking_a_family_leaves_other_families_alone() {
        let tokens = MemoryRefreshTokens::default();
        let (family, other) = (Uuid::now_v7(), Uuid::now_v7());
        let (mine, theirs) = (token(family), token(other));
        tokens.add(&mine).await.unwrap();
        tokens.add(&theirs).await.unwrap();
        tokens.revoke_family(family, now()).await.unwrap();
        let Presented::Fresh(mine) = tokens.mark_used(&mine.token_hash, now()).await.unwrap()
        else {
            panic!("the token was not used yet");
        };
        let Presented::Fresh(theirs) = tokens.mark_used(&theirs.token_hash, now()).await.unwrap()
        else {
            panic!("the token was not used yet");
        };
        assert!(mine.revoked_at.is_some());
        assert!(theirs.revoked_at.is_none());
    }

    #[tokio::test]
    async fn a_token_added_after_its_family_was_revoked_is_revoked_too() {
        let tokens = MemoryRefreshTokens::default();
        let first = token(Uuid::now_v7());
        tokens.add(&first).await.unwrap();
        tokens.revoke_family(first.family_id, now()).await.unwrap();
        let successor = token(first.family_id);
        tokens.add(&successor).await.unwrap();
        let Presented::Fresh(presented) = tokens
            .mark_used(&successor.token_hash, now())
            .await
            .unwrap()
        else {
            panic!("the successor was not used yet");
        };
        assert!(presented.revoked_at.is_some());
    }
}
