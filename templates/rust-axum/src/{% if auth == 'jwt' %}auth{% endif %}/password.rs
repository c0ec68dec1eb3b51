//! Passwords, hashed with argon2id in PHC string form.
//!
//! Hashing is deliberately slow, so it runs on Tokio's blocking pool rather than on the threads
//! that serve requests.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::problem::Problem;

/// Checked against when the email is unknown, so an unknown email and a wrong password take
/// comparable time and cannot be told apart.
static DECOY: LazyLock<String> =
    LazyLock::new(|| hash_now("decoy password never assigned").unwrap_or_default());

/// The argon2id hash of `password`, with a new random salt.
///
/// # Errors
///
/// Returns a 500 problem if hashing fails, which only a broken runtime causes.
pub async fn hash(password: String) -> Result<String, Problem> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .ok()
        .flatten()
        .ok_or_else(|| {
            tracing::error!("password hashing failed");
            Problem::internal()
        })
}

/// Whether `password` matches `stored`; with no stored hash (or an empty one), a decoy is
/// verified and `false` returned, so the answer takes as long either way.
pub async fn verify(stored: Option<String>, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = stored.filter(|hash| !hash.is_empty());
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| DECOY.clone());
        matches(&hash, &password) && known
    })
    .await
    .unwrap_or(false)
}

fn hash_now(password: &str) -> Option<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .ok()
}

fn matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash("correct-horse-battery".to_owned()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify(Some(stored.clone()), "correct-horse-battery".to_owned()).await);
        assert!(!verify(Some(stored), "not-the-one".to_owned()).await);
    }

    #[tokio::test]
    async fn no_stored_hash_never_verifies() {
        assert!(!verify(None, "decoy password never assigned".to_owned()).await);
        assert!(!verify(Some(String::new()), String::new()).await);
    }
}
