//! Who is calling and what they may do: API keys, bearer JWTs, roles,
//! permissions and scopes. Pure building blocks; the handlers wire them in.
//!
//! A request's `Authorization: Bearer …` is one of three things, told apart
//! by [`bearer`]: a stored API key (`cdk_<id>_<secret>`, [`keys`]), a JWT from
//! an identity provider ([`jwt`]), or anything else, which can only be the
//! bootstrap `server.admin_key`. Each yields a [`Principal`].

pub mod jwt;
pub mod keys;
pub mod roles;
#[cfg(test)]
mod tests;

use axum::http::StatusCode;

pub use jwt::{JwtConfig, JwtKey, JwtVerifier};
pub use keys::{KeyCache, NewKey};
pub use roles::{Permission, Principal, Role, Scope, Via};

use crate::ApiError;

/// Why a credential was refused. Every variant answers 401; [`code`](Self::code)
/// is the stable error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("No credentials were sent. Hint: send `Authorization: Bearer <API key or access token>`.")]
    Missing,
    #[error("The credentials are malformed: {0}.")]
    Malformed(String),
    #[error("The credentials do not verify: wrong API key or bad token signature.")]
    BadSignature,
    #[error("The token has expired (`exp`). Hint: request a new access token.")]
    Expired,
    #[error("The token is not valid yet (`nbf`). Hint: check the clocks of the identity provider and of this server.")]
    NotYetValid,
    #[error("The token was issued for another audience (`aud`). Hint: request the token for this service's audience.")]
    WrongAudience,
    #[error("The token comes from an issuer (`iss`) this server does not trust.")]
    WrongIssuer,
    #[error("The key that signed these credentials is not known here.")]
    UnknownKey,
    #[error("This API key has been revoked. Hint: create a new one with `crossdock keys create`.")]
    Revoked,
    #[error("The token's role is refused: {0}. Roles are: {roles}.", roles = Role::names())]
    UnknownRole(String),
    #[error("The token's signing algorithm is refused: {0}.")]
    Algorithm(String),
}

impl AuthError {
    /// The stable, snake_case error code.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing_credentials",
            AuthError::Malformed(_) => "malformed_credentials",
            AuthError::BadSignature => "bad_signature",
            AuthError::Expired => "token_expired",
            AuthError::NotYetValid => "token_not_yet_valid",
            AuthError::WrongAudience => "wrong_audience",
            AuthError::WrongIssuer => "wrong_issuer",
            AuthError::UnknownKey => "unknown_key",
            AuthError::Revoked => "key_revoked",
            AuthError::UnknownRole(_) => "unknown_role",
            AuthError::Algorithm(_) => "algorithm_refused",
        }
    }

    /// Every code, for documentation and tests.
    pub const CODES: [&'static str; 11] = [
        "missing_credentials",
        "malformed_credentials",
        "bad_signature",
        "token_expired",
        "token_not_yet_valid",
        "wrong_audience",
        "wrong_issuer",
        "unknown_key",
        "key_revoked",
        "unknown_role",
        "algorithm_refused",
    ];
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, e.code(), e.to_string())
    }
}

/// What a bearer credential looks like it is. Only a shape: nothing is
/// verified yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bearer<'a> {
    /// `cdk_<id>_<secret>`: look the id up, then [`keys::verify`].
    ApiKey { id: &'a str, token: &'a str },
    /// Three dot-separated base64url parts: [`JwtVerifier::verify`].
    Jwt(&'a str),
    /// Anything else: only the bootstrap admin key can match (compare in
    /// constant time).
    Opaque(&'a str),
}

/// Classifies the value of an `Authorization` header. The scheme is
/// case-insensitive (RFC 9110 §11.1); anything but `Bearer` is malformed.
pub fn bearer(authorization: Option<&str>) -> Result<Bearer<'_>, AuthError> {
    let value = authorization.map(str::trim).filter(|v| !v.is_empty()).ok_or(AuthError::Missing)?;
    let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Malformed(format!(
            "the `{scheme}` scheme is not supported; use `Authorization: Bearer <credentials>`"
        )));
    }
    let token = credentials.trim();
    if token.is_empty() {
        return Err(AuthError::Missing);
    }
    if let Some(id) = keys::parse_token(token) {
        return Ok(Bearer::ApiKey { id, token });
    }
    let jwt_shaped = token.split('.').count() == 3
        && token
            .split('.')
            .take(2)
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    Ok(if jwt_shaped { Bearer::Jwt(token) } else { Bearer::Opaque(token) })
}
