//! Access tokens (JWT, HS256 only) and opaque refresh tokens.

use std::fmt::Write as _;
use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::identity::Caller;
use crate::users::{Role, User, now};

/// Clock skew tolerated on `exp`; the contract allows at most 30 seconds.
const LEEWAY_SECONDS: u64 = 30;

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    role: Role,
    iss: String,
    iat: i64,
    exp: i64,
    jti: Uuid,
}

/// Issues and verifies the service's tokens.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    access_ttl: Duration,
    refresh_ttl: Duration,
}

impl Tokens {
    /// Tokens signed with `secret` (HMAC, at least 32 bytes), naming `issuer`.
    #[must_use]
    pub fn new(secret: &[u8], issuer: String, access_ttl: Duration, refresh_ttl: Duration) -> Self {
        // `Validation::new` pins the one algorithm: tokens claiming `none`, RS256 or anything
        // else fail verification.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&issuer]);
        validation.set_required_spec_claims(&["sub", "iss", "iat", "exp"]);
        validation.leeway = LEEWAY_SECONDS;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer,
            access_ttl,
            refresh_ttl,
        }
    }

    /// An access token for `user`, valid for the access-token TTL.
    ///
    /// # Errors
    ///
    /// Returns the signing error, which a valid key never causes.
    pub fn access_token(&self, user: &User) -> jsonwebtoken::errors::Result<String> {
        let issued = now().timestamp();
        let claims = Claims {
            sub: user.id,
            role: user.role,
            iss: self.issuer.clone(),
            iat: issued,
            exp: issued
                .saturating_add(i64::try_from(self.access_ttl.as_secs()).unwrap_or(i64::MAX)),
            jti: Uuid::now_v7(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The caller an access token names, if it is well-formed, signed with HS256 and the
    /// service's key, issued by this service and not expired.
    #[must_use]
    pub fn verify(&self, token: &str) -> Option<Caller> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        Some(Caller {
            user_id: data.claims.sub,
            role: data.claims.role,
        })
    }

    /// Seconds an access token lives, as the token pair reports it.
    #[must_use]
    pub fn access_ttl_seconds(&self) -> u64 {
        self.access_ttl.as_secs()
    }

    /// When a refresh token issued now expires.
    #[must_use]
    pub fn refresh_expiry(&self) -> DateTime<Utc> {
        let ttl = chrono::Duration::from_std(self.refresh_ttl).unwrap_or(chrono::Duration::MAX);
        now()
            .checked_add_signed(ttl)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// A new opaque refresh token: 256 random bits, hex-encoded. Only its hash is stored.
#[must_use]
pub fn new_refresh_token() -> String {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The SHA-256 of a refresh token, hex-encoded: what the store keeps and looks tokens up by.
#[must_use]
pub fn hash_refresh_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(issuer: &str) -> Tokens {
        Tokens::new(
            b"a-test-secret-of-at-least-32-bytes!!",
            issuer.to_owned(),
            Duration::from_mins(15),
            Duration::from_mins(1),
        )
    }

    fn user() -> User {
        User::new(
            "ann@example.com".to_owned(),
            "Ann".to_owned(),
            Role::Admin,
            None,
        )
    }

    #[test]
    fn a_token_names_its_user_and_role() {
        let tokens = tokens("shop");
        let user = user();
        let caller = tokens.verify(&tokens.access_token(&user).unwrap()).unwrap();
        assert_eq!((caller.user_id, caller.role), (user.id, Role::Admin));
    }

    #[test]
    fn another_issuer_or_key_is_refused() {
        let token = tokens("elsewhere").access_token(&user()).unwrap();
        assert!(tokens("shop").verify(&token).is_none());
        let other_key = Tokens::new(
            b"another-secret-of-at-least-32-bytes",
            "shop".to_owned(),
            Duration::from_mins(15),
            Duration::from_mins(1),
        );
        assert!(
            tokens("shop")
                .verify(&other_key.access_token(&user()).unwrap())
                .is_none()
        );
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        let tokens = tokens("shop");
        let token = tokens.access_token(&user()).unwrap();
        let payload = token.split('.').nth(1).unwrap();
        // {"alg":"none","typ":"JWT"}
        let forged = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert!(tokens.verify(&forged).is_none());
    }

    #[test]
    fn refresh_tokens_are_256_bit_and_stored_hashed() {
        let token = new_refresh_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_refresh_token());
        assert_eq!(hash_refresh_token(&token).len(), 64);
        assert_ne!(hash_refresh_token(&token), token);
    }
}
