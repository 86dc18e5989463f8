//! Bearer JWTs: OAuth2 client-credentials access tokens from an identity
//! provider, checked against the keys in the configuration (HS256, RS256).
//!
//! Claims read: `sub` (who), `role` (one [`Role`] name), and optionally
//! `tenants`, `clients`, `regions`, `nodes` (arrays of strings, see [`Scope`]).
//! `exp` and `aud` are required, `iss` too when configured, `nbf` is honoured.

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::AuthError;
use super::roles::{Principal, Role, Scope, Via};
use crate::config::Secret;

/// Shortest HS256 secret accepted: the hash output size (RFC 7518 §3.2).
const MIN_HMAC_SECRET: usize = 32;
/// Smallest RSA modulus accepted, in bits (RFC 7518 §3.3).
const MIN_RSA_BITS: usize = 2048;

/// Accepting bearer JWTs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtConfig {
    /// Required `iss` claim (the identity provider's issuer URL). When unset,
    /// any issuer is accepted: the keys alone decide.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Required `aud` claim: the name this service has at the identity
    /// provider (a token listing several audiences passes if one matches).
    pub audience: String,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    #[serde(default = "default_leeway")]
    pub leeway: u64,
    /// Keys that may sign tokens. Only their algorithms are accepted.
    pub keys: Vec<JwtKey>,
}

fn default_leeway() -> u64 {
    30
}

/// One key that may sign tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtKey {
    /// The `kid` header of tokens signed with this key. A token naming a kid
    /// is checked against that key only (or, if no key has that kid, against
    /// the keys of its algorithm that have none).
    #[serde(default)]
    pub kid: Option<String>,
    /// `"HS256"` (shared secret) or `"RS256"` (RSA public key).
    pub alg: String,
    /// HS256 shared secret, at least 32 bytes: `env:NAME` or `file:PATH`.
    #[serde(default)]
    pub secret: Option<Secret>,
    /// RS256 public key, PEM (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`),
    /// at least 2048 bits; typically `file:PATH`.
    #[serde(default)]
    pub public_key: Option<Secret>,
}

struct Key {
    kid: Option<String>,
    alg: Algorithm,
    decoding: DecodingKey,
    validation: Validation,
}

/// Checks bearer JWTs against the configured keys. Built once at startup;
/// verification is pure CPU (an HMAC or an RSA verification).
pub struct JwtVerifier {
    keys: Vec<Key>,
    /// Names of the accepted algorithms, for error messages.
    accepted: String,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("keys", &self.keys.len())
            .field("accepted", &self.accepted)
            .finish()
    }
}

impl JwtVerifier {
    /// Checks the configuration and parses the keys. Errors name the field at
    /// fault relative to the JWT section, e.g. `keys[1].public_key: …`.
    pub fn new(config: &JwtConfig) -> Result<JwtVerifier, String> {
        if config.audience.trim().is_empty() {
            return Err("audience: must not be empty".into());
        }
        if config.issuer.as_deref().is_some_and(|i| i.trim().is_empty()) {
            return Err("issuer: must not be empty; leave it out to accept any issuer".into());
        }
        if config.keys.is_empty() {
            return Err("keys: at least one key is needed to accept tokens".into());
        }
        let mut keys: Vec<Key> = Vec::with_capacity(config.keys.len());
        for (i, key) in config.keys.iter().enumerate() {
            let field = |name: &str| format!("keys[{i}].{name}");
            if let Some(kid) = &key.kid {
                if kid.is_empty() {
                    return Err(format!("{}: must not be empty; leave it out if tokens carry no kid", field("kid")));
                }
                if let Some(j) = config.keys.iter().take(i).position(|k| k.kid.as_ref() == Some(kid)) {
                    return Err(format!("{}: `{kid}` is already the kid of keys[{j}]", field("kid")));
                }
            }
            let (alg, decoding) = match key.alg.as_str() {
                "HS256" => {
                    if key.public_key.is_some() {
                        return Err(format!("{}: HS256 keys take a `secret`, not a public key", field("public_key")));
                    }
                    let secret = key
                        .secret
                        .as_ref()
                        .ok_or_else(|| format!("{}: an HS256 key needs a `secret`", field("secret")))?;
                    if secret.expose().len() < MIN_HMAC_SECRET {
                        return Err(format!(
                            "{}: an HS256 secret must be at least {MIN_HMAC_SECRET} bytes (it has {})",
                            field("secret"),
                            secret.expose().len()
                        ));
                    }
                    (Algorithm::HS256, DecodingKey::from_secret(secret.expose().as_bytes()))
                }
                "RS256" => {
                    if key.secret.is_some() {
                        return Err(format!("{}: RS256 keys take a `public_key`, not a secret", field("secret")));
                    }
                    let pem = key
                        .public_key
                        .as_ref()
                        .ok_or_else(|| format!("{}: an RS256 key needs a `public_key` (PEM)", field("public_key")))?;
                    let decoding = rsa_public_key(pem.expose()).map_err(|e| format!("{}: {e}", field("public_key")))?;
                    (Algorithm::RS256, decoding)
                }
                other => return Err(format!("{}: `{other}` is not supported; use HS256 or RS256", field("alg"))),
            };
            keys.push(Key {
                kid: key.kid.clone(),
                alg,
                decoding,
                validation: validation(config, alg),
            });
        }
        let mut accepted: Vec<&str> = keys.iter().map(|k| alg_name(k.alg)).collect();
        accepted.sort_unstable();
        accepted.dedup();
        Ok(JwtVerifier {
            keys,
            accepted: accepted.join(", "),
        })
    }

    /// The principal a token stands for, or why it is refused.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let header = header(token)?;
        let alg = match header.alg.as_str() {
            "HS256" => Algorithm::HS256,
            "RS256" => Algorithm::RS256,
            _ => return Err(self.refuse_alg(&header.alg)),
        };
        if !self.keys.iter().any(|k| k.alg == alg) {
            return Err(self.refuse_alg(&header.alg));
        }
        let candidates: Vec<&Key> = match &header.kid {
            Some(kid) => match self.keys.iter().find(|k| k.kid.as_ref() == Some(kid)) {
                Some(key) if key.alg == alg => vec![key],
                Some(key) => {
                    return Err(AuthError::Algorithm(format!(
                        "`{}` for key `{kid}`, which is configured for {}",
                        header.alg,
                        alg_name(key.alg)
                    )));
                }
                None => self.keys.iter().filter(|k| k.alg == alg && k.kid.is_none()).collect(),
            },
            None => self.keys.iter().filter(|k| k.alg == alg).collect(),
        };
        if candidates.is_empty() {
            return Err(AuthError::UnknownKey);
        }
        let mut last = AuthError::BadSignature;
        for key in candidates {
            // jsonwebtoken checks the signature before it reads any claim.
            match jsonwebtoken::decode::<Map<String, Value>>(token, &key.decoding, &key.validation) {
                Ok(data) => return principal(data.claims),
                Err(e) => match refusal(e.kind()) {
                    AuthError::BadSignature => last = AuthError::BadSignature,
                    other => return Err(other),
                },
            }
        }
        Err(last)
    }

    fn refuse_alg(&self, alg: &str) -> AuthError {
        AuthError::Algorithm(format!("`{alg}` is not accepted here; accepted: {}", self.accepted))
    }
}

fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::HS256 => "HS256",
        Algorithm::RS256 => "RS256",
        _ => "other",
    }
}

fn validation(config: &JwtConfig, alg: Algorithm) -> Validation {
    let mut v = Validation::new(alg);
    v.leeway = config.leeway;
    v.validate_exp = true;
    v.validate_nbf = true;
    v.validate_aud = true;
    v.set_audience(&[&config.audience]);
    let mut required: HashSet<String> = ["exp", "aud"].map(String::from).into();
    if let Some(issuer) = &config.issuer {
        v.set_issuer(&[issuer]);
        required.insert("iss".into());
    }
    v.required_spec_claims = required;
    v
}

/// Parses an RSA public key PEM (SPKI or PKCS#1) and checks its size, so a bad
/// key fails at startup rather than as "bad signature" on every request.
fn rsa_public_key(pem: &str) -> Result<DecodingKey, String> {
    let pem = pem.trim();
    if pem.contains("PRIVATE KEY-----") {
        return Err("this is a private key; give the public key (`openssl rsa -in key.pem -pubout`)".into());
    }
    let key = rsa::RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(pem))
        .map_err(|e| format!("not an RSA public key in PEM (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`): {e}"))?;
    let bits = key.size() * 8;
    if bits < MIN_RSA_BITS {
        return Err(format!("the RSA key has {bits} bits; at least {MIN_RSA_BITS} are needed"));
    }
    Ok(DecodingKey::from_rsa_raw_components(&key.n().to_bytes_be(), &key.e().to_bytes_be()))
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<Value>,
}

/// The JOSE header, read by hand so that `alg` values jsonwebtoken has no
/// name for (`none`) are refused as an algorithm, not as a parse error.
fn header(token: &str) -> Result<Header, AuthError> {
    let mut parts = token.split('.');
    let (Some(head), Some(_), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(AuthError::Malformed("a JWT has three dot-separated parts".into()));
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(head)
        .map_err(|_| AuthError::Malformed("the JWT header is not base64url".into()))?;
    let header: Header = serde_json::from_slice(&bytes)
        .map_err(|e| AuthError::Malformed(format!("the JWT header is not a JSON object with a string `alg`: {e}")))?;
    // RFC 7515 §4.1.11: extensions marked critical that we do not implement must be refused.
    if header.crit.is_some() {
        return Err(AuthError::Malformed(
            "the JWT header lists `crit` extensions, which are not supported".into(),
        ));
    }
    Ok(header)
}

fn refusal(kind: &ErrorKind) -> AuthError {
    match kind {
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::MissingRequiredClaim(claim) if claim == "aud" => AuthError::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) if claim == "iss" => AuthError::WrongIssuer,
        ErrorKind::MissingRequiredClaim(claim) => AuthError::Malformed(format!("the `{claim}` claim is required")),
        ErrorKind::InvalidClaimFormat(claim) => AuthError::Malformed(format!("the `{claim}` claim has the wrong type")),
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm | ErrorKind::InvalidAlgorithmName => {
            AuthError::Algorithm("not accepted for this key".into())
        }
        // Keys were checked at startup; a key the crypto backend still refuses
        // cannot have signed anything we accept.
        ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidKeyFormat => AuthError::BadSignature,
        _ => AuthError::Malformed("the JWT could not be decoded".into()),
    }
}

/// The principal of claims whose signature, `exp`, `nbf`, `aud` and `iss`
/// already passed.
fn principal(mut claims: Map<String, Value>) -> Result<Principal, AuthError> {
    let subject = match claims.remove("sub") {
        Some(Value::String(s)) if !s.is_empty() => s,
        Some(_) => return Err(AuthError::Malformed("the `sub` claim must be a non-empty string".into())),
        None => return Err(AuthError::Malformed("the `sub` claim is required".into())),
    };
    let role = match claims.remove("role") {
        Some(Value::String(name)) => Role::parse(&name).ok_or(AuthError::UnknownRole(format!("`{name}` is not a crossdock role")))?,
        Some(other) => return Err(AuthError::UnknownRole(format!("the `role` claim must be a string, not {other}"))),
        None => return Err(AuthError::UnknownRole("the `role` claim is missing".into())),
    };
    // `iss` may be an array (jsonwebtoken accepts either); the principal keeps a single one.
    let issuer = match claims.remove("iss") {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let mut list = |name: &str| -> Result<Option<Vec<String>>, AuthError> {
        match claims.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    _ => Err(AuthError::Malformed(format!("the `{name}` claim must be an array of strings"))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(AuthError::Malformed(format!("the `{name}` claim must be an array of strings"))),
        }
    };
    let scope = Scope {
        tenants: list("tenants")?,
        clients: list("clients")?,
        regions: list("regions")?,
        nodes: list("nodes")?,
    };
    Ok(Principal {
        subject,
        via: Via::Jwt { issuer },
        role,
        scope,
    })
}
