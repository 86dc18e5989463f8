use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use rand::Rng;
use serde_json::{Value, json};

use super::keys::{self, KeyCache};
use super::*;
use crate::config::Secret;

// ---------------------------------------------------------------- roles

/// The intended matrix, written out independently of `Role::allows`.
/// Columns: admin, ops, planner, service_rep, b2b_client, integration, agent.
const EXPECTED: [(Permission, &str); 23] = [
    (Permission::ReadOrders, "Y Y Y Y Y Y Y"),
    (Permission::ReadPii, "Y Y - Y Y - -"),
    (Permission::ReadInventory, "Y Y Y Y Y Y Y"),
    (Permission::WriteEvents, "Y Y - - - Y -"),
    (Permission::Reserve, "Y Y - Y - Y -"),
    (Permission::Plan, "Y Y Y - - - Y"),
    (Permission::Release, "Y Y Y - - - -"),
    (Permission::ReadDecisions, "Y Y Y Y - - Y"),
    (Permission::ReadReviews, "Y Y Y - - - -"),
    (Permission::DecideReviews, "Y Y Y - - - -"),
    (Permission::SetAutonomy, "Y Y - - - - -"),
    (Permission::InventoryHold, "Y Y - - - - -"),
    (Permission::ReadOutbox, "Y Y Y - - Y -"),
    (Permission::ReplayOutbox, "Y Y - - - - -"),
    (Permission::ReadConnections, "Y Y Y - - - -"),
    (Permission::CheckConnections, "Y Y - - - - -"),
    (Permission::Reconcile, "Y Y - - - - -"),
    (Permission::ReadAudit, "Y Y Y - - - -"),
    (Permission::VerifyAudit, "Y Y - - - - -"),
    (Permission::ManageKeys, "Y - - - - - -"),
    (Permission::ExportData, "Y Y Y - - - -"),
    (Permission::Ask, "Y Y Y Y Y - Y"),
    (Permission::CreateReturns, "Y Y - Y Y - -"),
];
const COLUMNS: [Role; 7] = [
    Role::Admin,
    Role::Ops,
    Role::Planner,
    Role::ServiceRep,
    Role::B2bClient,
    Role::Integration,
    Role::Agent,
];

#[test]
fn every_role_and_permission_matches_the_expected_matrix() {
    assert_eq!(
        EXPECTED.map(|(p, _)| p),
        Permission::ALL,
        "the expected table covers every permission once"
    );
    assert_eq!(COLUMNS, Role::ALL);
    for (permission, row) in EXPECTED {
        let cells: Vec<&str> = row.split(' ').collect();
        assert_eq!(cells.len(), 7, "{permission}");
        for (role, cell) in COLUMNS.iter().zip(cells) {
            assert_eq!(role.allows(permission), cell == "Y", "{role} × {permission}");
        }
    }
}

#[test]
fn the_documented_table_is_the_matrix() {
    // The doc comment on Role::allows is the reference for operators: keep it true.
    let source = include_str!("roles.rs");
    let rows: Vec<&str> = source.lines().map(str::trim).filter(|l| l.starts_with("/// | `")).collect();
    assert_eq!(rows.len(), Permission::ALL.len());
    for row in rows {
        let cells: Vec<&str> = row
            .trim_start_matches("///")
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        let permission = Permission::ALL
            .into_iter()
            .find(|p| cells[0] == format!("`{}`", p.as_str()))
            .unwrap_or_else(|| panic!("unknown permission in doc row {row}"));
        for (role, cell) in Role::ALL.iter().zip(&cells[1..]) {
            assert_eq!(role.allows(permission), *cell == "✓", "doc row for {permission}, column {role}");
        }
    }
}

#[test]
fn role_names_round_trip_through_parse_and_serde() {
    let names = ["admin", "ops", "planner", "service_rep", "b2b_client", "integration", "agent"];
    assert_eq!(Role::ALL.map(Role::as_str), names);
    for role in Role::ALL {
        assert_eq!(Role::parse(role.as_str()), Some(role));
        assert_eq!(serde_json::to_value(role).unwrap(), json!(role.as_str()));
        assert_eq!(serde_json::from_value::<Role>(json!(role.as_str())).unwrap(), role);
    }
    for bad in ["", "Admin", "ADMIN", "root", "service-rep", "serviceRep", " ops"] {
        assert_eq!(Role::parse(bad), None, "{bad:?}");
    }
    assert!(serde_json::from_value::<Role>(json!("root")).is_err());
}

#[test]
fn permission_names_match_serde() {
    let mut seen = std::collections::HashSet::new();
    for p in Permission::ALL {
        assert_eq!(serde_json::to_value(p).unwrap(), json!(p.as_str()));
        assert_eq!(serde_json::from_value::<Permission>(json!(p.as_str())).unwrap(), p);
        assert!(seen.insert(p.as_str()), "duplicate name {p}");
    }
    assert_eq!(Permission::ReadPii.as_str(), "read_pii");
    assert_eq!(Permission::ManageKeys.as_str(), "manage_keys");
}

fn list(items: &[&str]) -> Option<Vec<String>> {
    Some(items.iter().map(|s| s.to_string()).collect())
}

#[test]
fn admin_principal_sees_and_may_do_everything() {
    let admin = Principal::admin();
    assert_eq!(admin.label(), "admin");
    assert!(Permission::ALL.into_iter().all(|p| admin.can(p)));
    assert!(admin.pii());
    assert!(admin.sees_tenant("acme"));
    assert!(admin.sees_client(None));
    assert!(admin.sees_client(Some("B2B-1")));
    assert!(admin.sees_node("DC-EAST", None));
}

#[test]
fn tenant_scope_restricts_tenants_only() {
    let p = Principal::api_key(
        "0a1b2c3d4e5f",
        Role::Ops,
        Scope {
            tenants: list(&["acme"]),
            ..Scope::default()
        },
    );
    assert!(p.sees_tenant("acme"));
    assert!(!p.sees_tenant("globex"));
    assert!(!p.sees_tenant("ACME"), "ids are exact");
    assert!(p.sees_client(None));
    assert!(p.sees_node("DC-EAST", Some("us-east")));
    assert_eq!(p.label(), "key:0a1b2c3d4e5f");
    assert_eq!(p.subject, "key:0a1b2c3d4e5f");
}

#[test]
fn client_scope_hides_orders_of_other_accounts_and_without_account() {
    let p = Principal::api_key(
        "0a1b2c3d4e5f",
        Role::B2bClient,
        Scope {
            clients: list(&["B2B-1", "B2B-2"]),
            ..Scope::default()
        },
    );
    assert!(p.sees_client(Some("B2B-1")));
    assert!(p.sees_client(Some("B2B-2")));
    assert!(!p.sees_client(Some("B2B-3")));
    assert!(!p.sees_client(None), "an order with no account belongs to no client");
    assert!(p.pii(), "b2b clients see their own orders' personal data");
    assert!(!p.can(Permission::WriteEvents));
}

#[test]
fn node_and_region_scopes_both_apply() {
    let nodes_only = Scope {
        nodes: list(&["DC-EAST"]),
        ..Scope::default()
    };
    let p = Principal::api_key("0a1b2c3d4e5f", Role::Planner, nodes_only);
    assert!(p.sees_node("DC-EAST", None));
    assert!(!p.sees_node("DC-WEST", Some("us-east")));

    let regions_only = Scope {
        regions: list(&["us-east"]),
        ..Scope::default()
    };
    let p = Principal::api_key("0a1b2c3d4e5f", Role::Planner, regions_only);
    assert!(p.sees_node("DC-EAST", Some("us-east")));
    assert!(p.sees_node("STORE-9", Some("us-east")));
    assert!(!p.sees_node("DC-WEST", Some("us-west")));
    assert!(
        !p.sees_node("DROPSHIP-1", None),
        "a node without a region fails a region restriction"
    );

    let both = Scope {
        nodes: list(&["DC-EAST", "DC-WEST"]),
        regions: list(&["us-east"]),
        ..Scope::default()
    };
    let p = Principal::api_key("0a1b2c3d4e5f", Role::Planner, both);
    assert!(p.sees_node("DC-EAST", Some("us-east")));
    assert!(!p.sees_node("DC-WEST", Some("us-west")), "listed node, region not listed");
    assert!(!p.sees_node("STORE-9", Some("us-east")), "listed region, node not listed");
    assert!(!p.pii(), "planners see no personal data");
}

#[test]
fn scope_serde_skips_unset_lists_and_refuses_unknown_fields() {
    let scope = Scope {
        tenants: list(&["acme"]),
        ..Scope::default()
    };
    assert_eq!(serde_json::to_value(&scope).unwrap(), json!({"tenants": ["acme"]}));
    assert_eq!(serde_json::to_value(Scope::default()).unwrap(), json!({}));
    assert!(Scope::default().is_unrestricted());
    assert!(!scope.is_unrestricted());
    let parsed: Scope = serde_json::from_value(json!({"clients": ["B2B-1"], "nodes": null})).unwrap();
    assert_eq!(parsed.clients, list(&["B2B-1"]));
    assert_eq!(parsed.nodes, None);
    let err = serde_json::from_value::<Scope>(json!({"tenant": ["acme"]})).unwrap_err();
    assert!(err.to_string().contains("tenant"), "{err}");
}

#[test]
fn scope_check_names_the_field_at_fault() {
    assert_eq!(Scope::default().check(), Ok(()));
    let empty = Scope {
        regions: Some(vec![]),
        ..Scope::default()
    };
    let (field, message) = empty.check().unwrap_err();
    assert_eq!(field, "regions");
    assert!(message.contains("leave `regions` out"), "{message}");
    let blank = Scope {
        clients: list(&["B2B-1", " "]),
        ..Scope::default()
    };
    assert_eq!(blank.check().unwrap_err().0, "clients[1]");
}

// ---------------------------------------------------------------- API keys

#[test]
fn generated_key_has_the_documented_shape_and_verifies() {
    let key = keys::generate();
    assert_eq!(key.id.len(), 12);
    assert!(
        key.id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{}",
        key.id
    );
    let secret = key.token.strip_prefix(&format!("cdk_{}_", key.id)).expect("cdk_<id>_<secret>");
    assert_eq!(URL_SAFE_NO_PAD.decode(secret).unwrap().len(), 32);
    assert_eq!(keys::parse_token(&key.token), Some(key.id.as_str()));
    assert!(key.hash.starts_with("$argon2id$v=19$m=8192,t=2,p=1$"), "{}", key.hash);
    assert!(!key.hash.contains(secret), "the hash does not contain the secret");
    assert!(keys::verify(&key.hash, &key.token));
    assert!(!format!("{key:?}").contains(secret), "Debug hides the token");
}

#[test]
fn generated_keys_differ() {
    let a = keys::generate();
    let b = keys::generate();
    assert_ne!(a.id, b.id);
    assert_ne!(a.token, b.token);
    assert_ne!(a.hash, b.hash);
    assert!(!keys::verify(&a.hash, &b.token));
    assert!(!keys::verify(&b.hash, &a.token));
}

#[test]
fn parse_token_checks_the_shape_only() {
    let secret = URL_SAFE_NO_PAD.encode([0xfb_u8; 32]); // contains `-` and `_`
    assert!(secret.contains('-') || secret.contains('_'), "{secret}");
    let good = format!("cdk_0123456789ab_{secret}");
    assert_eq!(keys::parse_token(&good), Some("0123456789ab"));
    let bad = [
        String::new(),
        "cdk_".into(),
        format!("cdk_0123456789AB_{secret}"),           // uppercase id
        format!("cdk_0123456789a_{secret}"),            // short id
        format!("cdk_0123456789abc_{secret}"),          // long id
        format!("cdk_0123456789ag_{secret}"),           // not hex
        format!("CDK_0123456789ab_{secret}"),           // prefix is case-sensitive
        format!("cdx_0123456789ab_{secret}"),           // wrong prefix
        format!("cdk_0123456789ab{secret}"),            // no separator
        format!("cdk_0123456789ab_{secret}A"),          // secret too long
        format!("cdk_0123456789ab_{}", &secret[..42]),  // truncated
        format!("cdk_0123456789ab_{}=", &secret[..42]), // padding
        format!("cdk_0123456789ab_{}+", &secret[..42]), // standard alphabet
        format!(" {good}"),
        "cdk_demo_0123456789abcdef0123456789abcdef0123456789abcdef".into(), // the demo's admin key
    ];
    for token in &bad {
        assert_eq!(keys::parse_token(token), None, "{token:?}");
    }
    // 43 characters whose last one carries bits beyond the 32 bytes.
    let non_canonical = format!("cdk_0123456789ab_{}B", &URL_SAFE_NO_PAD.encode([0_u8; 32])[..42]);
    assert_eq!(keys::parse_token(&non_canonical), None);
}

#[test]
fn invalid_api_keys_never_verify() {
    let key = keys::generate();
    let mut rng = rand::rng();
    let mut attempts: Vec<String> = Vec::new();
    // Right shape, right id, random secrets: each runs the full argon2 check.
    for _ in 0..25 {
        attempts.push(format!("cdk_{}_{}", key.id, URL_SAFE_NO_PAD.encode(rng.random::<[u8; 32]>())));
    }
    // Random ids and secrets.
    for _ in 0..10 {
        attempts.push(format!(
            "cdk_{}_{}",
            hex::encode(rng.random::<[u8; 6]>()),
            URL_SAFE_NO_PAD.encode(rng.random::<[u8; 32]>())
        ));
    }
    // Random garbage.
    for _ in 0..10 {
        let len = rng.random_range(0..80);
        attempts.push((0..len).map(|_| rng.random_range(b'!'..=b'~') as char).collect());
    }
    // The real token, one character changed at a time in the secret.
    let secret_start = "cdk_".len() + 12 + 1;
    for i in [secret_start, secret_start + 10, key.token.len() - 2] {
        let mut bytes = key.token.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        attempts.push(String::from_utf8(bytes).unwrap());
    }
    // Truncated to every length, and extended.
    for len in 0..key.token.len() {
        attempts.push(key.token[..len].to_owned());
    }
    attempts.push(format!("{}A", key.token));
    attempts.push(format!("{} ", key.token));
    attempts.push(key.token.to_uppercase());
    for token in &attempts {
        assert_ne!(token, &key.token);
        assert!(!keys::verify(&key.hash, token), "{token:?} verified");
    }
    assert!(keys::verify(&key.hash, &key.token), "the real token still does");
}

#[test]
fn malformed_or_foreign_hashes_never_verify() {
    let key = keys::generate();
    for hash in [
        "",
        "not a hash",
        "$argon2id$",
        "$argon2id$v=19$m=8192,t=2,p=1$",
        &key.hash[..key.hash.len() - 4],
        // The same token hashed with argon2i is not a hash we issue.
        &key.hash.replacen("$argon2id$", "$argon2i$", 1),
    ] {
        assert!(!keys::verify(hash, &key.token), "{hash:?}");
    }
}

#[test]
fn key_cache_serves_only_the_exact_token() {
    let cache = KeyCache::default();
    let key = keys::generate();
    assert_eq!(cache.get(&key.token), None);
    cache.insert(&key.token, &key.id);
    assert_eq!(cache.get(&key.token).as_deref(), Some(key.id.as_str()));
    // Same id prefix, another secret: not served from the cache.
    let forged = format!("cdk_{}_{}", key.id, URL_SAFE_NO_PAD.encode([7_u8; 32]));
    assert_eq!(keys::parse_token(&forged), Some(key.id.as_str()));
    assert_eq!(cache.get(&forged), None);
    assert_eq!(cache.get(&key.token[..key.token.len() - 1]), None);
}

#[test]
fn key_cache_forgets_a_revoked_key() {
    let cache = KeyCache::default();
    let a = keys::generate();
    let b = keys::generate();
    cache.insert(&a.token, &a.id);
    cache.insert(&b.token, &b.id);
    cache.forget(&a.id);
    assert_eq!(cache.get(&a.token), None);
    assert_eq!(cache.get(&b.token).as_deref(), Some(b.id.as_str()), "other keys stay");
    assert_eq!(cache.len(), 1);
}

#[test]
fn key_cache_entries_expire_after_the_ttl() {
    let cache = KeyCache::new(Duration::from_secs(300), 10);
    let t0 = Instant::now();
    cache.insert_at("cdk_token", "0123456789ab", t0);
    assert_eq!(
        cache.get_at("cdk_token", t0 + Duration::from_secs(299)).as_deref(),
        Some("0123456789ab")
    );
    assert_eq!(cache.get_at("cdk_token", t0 + Duration::from_secs(300)), None);
    assert!(cache.is_empty(), "an expired entry is dropped when seen");
}

#[test]
fn key_cache_is_bounded_and_evicts_the_oldest() {
    let cache = KeyCache::new(Duration::from_secs(300), 3);
    let t0 = Instant::now();
    for i in 0..3_u64 {
        cache.insert_at(&format!("token-{i}"), &format!("id-{i}"), t0 + Duration::from_secs(i));
    }
    cache.insert_at("token-3", "id-3", t0 + Duration::from_secs(3));
    assert_eq!(cache.len(), 3);
    let now = t0 + Duration::from_secs(4);
    assert_eq!(cache.get_at("token-0", now), None, "the oldest went");
    for i in 1..4 {
        assert_eq!(cache.get_at(&format!("token-{i}"), now), Some(format!("id-{i}")));
    }
    // Expired entries go first, before any live one.
    let t1 = t0 + Duration::from_millis(301_500); // token-1 (inserted at t0+1s) has expired, token-2 not
    cache.insert_at("token-4", "id-4", t1);
    assert_eq!(cache.get_at("token-2", t1).as_deref(), Some("id-2"));
    assert_eq!(cache.get_at("token-4", t1).as_deref(), Some("id-4"));
    assert_eq!(cache.len(), 3);
    // Re-inserting a remembered token does not evict anything.
    cache.insert_at("token-4", "id-4", t1);
    assert_eq!(cache.len(), 3);
}

#[test]
fn key_cache_is_shared_across_threads() {
    let cache = std::sync::Arc::new(KeyCache::default());
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let cache = cache.clone();
            std::thread::spawn(move || {
                for i in 0..100 {
                    cache.insert(&format!("token-{t}-{i}"), &format!("id-{t}"));
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(cache.len(), 400);
    cache.forget("id-2");
    assert_eq!(cache.len(), 300);
    assert_eq!(cache.get("token-1-99").as_deref(), Some("id-1"));
}

// ---------------------------------------------------------------- bearer

#[test]
fn bearer_tells_api_keys_jwts_and_opaque_keys_apart() {
    let key = keys::generate();
    let header = format!("Bearer {}", key.token);
    assert_eq!(
        bearer(Some(&header)),
        Ok(Bearer::ApiKey {
            id: &key.id,
            token: &key.token
        })
    );
    let lower = format!("bearer   {} ", key.token);
    assert!(matches!(bearer(Some(&lower)), Ok(Bearer::ApiKey { .. })));
    assert_eq!(
        bearer(Some("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")),
        Ok(Bearer::Jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"))
    );
    assert_eq!(
        bearer(Some("Bearer eyJhbGciOiJub25lIn0.e30.")),
        Ok(Bearer::Jwt("eyJhbGciOiJub25lIn0.e30."))
    );
    assert_eq!(bearer(Some("Bearer change-me")), Ok(Bearer::Opaque("change-me")));
    // The demo's admin keys start with `cdk_` too; they must still reach the admin check.
    let demo = "cdk_demo_0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_eq!(bearer(Some(&format!("Bearer {demo}"))), Ok(Bearer::Opaque(demo)));
    assert_eq!(bearer(None), Err(AuthError::Missing));
    assert_eq!(bearer(Some("")), Err(AuthError::Missing));
    assert_eq!(bearer(Some("Bearer ")), Err(AuthError::Missing));
    let basic = bearer(Some("Basic dXNlcjpwYXNz")).unwrap_err();
    assert_eq!(basic.code(), "malformed_credentials");
    assert!(basic.to_string().contains("`Basic`"), "{basic}");
}

#[test]
fn auth_error_codes_are_stable_unique_and_answer_401() {
    let all = [
        AuthError::Missing,
        AuthError::Malformed("x".into()),
        AuthError::BadSignature,
        AuthError::Expired,
        AuthError::NotYetValid,
        AuthError::WrongAudience,
        AuthError::WrongIssuer,
        AuthError::UnknownKey,
        AuthError::Revoked,
        AuthError::UnknownRole("`root`".into()),
        AuthError::Algorithm("`none`".into()),
    ];
    assert_eq!(all.clone().map(|e| e.code()), AuthError::CODES);
    let unique: std::collections::HashSet<_> = AuthError::CODES.into_iter().collect();
    assert_eq!(unique.len(), AuthError::CODES.len());
    for code in AuthError::CODES {
        assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{code}");
    }
    for e in all {
        let api = ApiError::from(e.clone());
        assert_eq!(api.status, axum::http::StatusCode::UNAUTHORIZED);
        assert_eq!(api.code, e.code());
        assert!(api.message.ends_with('.'), "{}", api.message);
    }
    let role = AuthError::UnknownRole("`root`".into()).to_string();
    assert!(role.contains("`root`") && role.contains("service_rep"), "{role}");
}

// ---------------------------------------------------------------- JWT

const AUDIENCE: &str = "crossdock";
const ISSUER: &str = "https://idp.example/realms/acme";
const HS_SECRET: &str = "hs256-test-secret-0123456789abcdef-0123456789";

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// Valid claims for an integration scoped to tenant acme; `changes` overrides
/// claims, a `null` removes one.
fn claims(changes: Value) -> Value {
    let mut claims = json!({
        "sub": "erp-acme",
        "role": "integration",
        "aud": AUDIENCE,
        "iss": ISSUER,
        "iat": now(),
        "exp": now() + 300,
        "tenants": ["acme"],
    });
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

fn hs_key(kid: Option<&str>, secret: &str) -> JwtKey {
    JwtKey {
        kid: kid.map(str::to_owned),
        alg: "HS256".into(),
        secret: Some(Secret::generated(secret.into())),
        public_key: None,
    }
}

fn rs_key(kid: Option<&str>, pem: &str) -> JwtKey {
    JwtKey {
        kid: kid.map(str::to_owned),
        alg: "RS256".into(),
        secret: None,
        public_key: Some(Secret::generated(pem.into())),
    }
}

fn config(keys: Vec<JwtKey>) -> JwtConfig {
    JwtConfig {
        issuer: Some(ISSUER.into()),
        audience: AUDIENCE.into(),
        leeway: 30,
        keys,
    }
}

fn verifier(keys: Vec<JwtKey>) -> JwtVerifier {
    JwtVerifier::new(&config(keys)).unwrap()
}

fn sign_hs(claims: &Value, secret: &[u8], kid: Option<&str>) -> String {
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn sign_rs(claims: &Value, private_pem: &str, kid: Option<&str>) -> String {
    let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap()).unwrap()
}

/// A token with a hand-made header and no signature check possible.
fn hand_built(header: Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

#[test]
fn valid_hs256_token_gives_its_principal() {
    let v = verifier(vec![hs_key(None, HS_SECRET)]);
    let token = sign_hs(
        &claims(json!({"clients": ["B2B-1"], "regions": ["us-east"], "nodes": ["DC-EAST", "DC-WEST"]})),
        HS_SECRET.as_bytes(),
        None,
    );
    let p = v.verify(&token).unwrap();
    assert_eq!(
        p,
        Principal {
            subject: "erp-acme".into(),
            via: Via::Jwt {
                issuer: Some(ISSUER.into())
            },
            role: Role::Integration,
            scope: Scope {
                tenants: list(&["acme"]),
                clients: list(&["B2B-1"]),
                regions: list(&["us-east"]),
                nodes: list(&["DC-EAST", "DC-WEST"]),
            },
        }
    );
    assert_eq!(p.label(), "jwt:erp-acme");
    assert!(p.can(Permission::WriteEvents));
    assert!(!p.pii());
}

#[test]
fn valid_rs256_token_gives_its_principal() {
    // Also proves jsonwebtoken has exactly one crypto backend: with none or
    // both it panics at the first RSA verification.
    let v = verifier(vec![rs_key(None, RSA_PUBLIC)]);
    let token = sign_rs(&claims(json!({"role": "planner", "tenants": null})), RSA_PRIVATE, None);
    let p = v.verify(&token).unwrap();
    assert_eq!(p.subject, "erp-acme");
    assert_eq!(p.role, Role::Planner);
    assert!(p.scope.is_unrestricted());
    assert_eq!(
        p.via,
        Via::Jwt {
            issuer: Some(ISSUER.into())
        }
    );
}

#[test]
fn pkcs1_public_keys_are_accepted_too() {
    let v = verifier(vec![rs_key(None, RSA_PUBLIC_PKCS1)]);
    let token = sign_rs(&claims(json!({})), RSA_PRIVATE, None);
    assert_eq!(v.verify(&token).unwrap().role, Role::Integration);
}

#[test]
fn wrong_signatures_are_refused() {
    let hs = verifier(vec![hs_key(None, HS_SECRET)]);
    let other_secret = sign_hs(&claims(json!({})), b"another-secret-0123456789abcdef-0123456789", None);
    assert_eq!(hs.verify(&other_secret), Err(AuthError::BadSignature));

    let rs = verifier(vec![rs_key(None, RSA_PUBLIC)]);
    let other_key = sign_rs(&claims(json!({})), OTHER_RSA_PRIVATE, None);
    assert_eq!(rs.verify(&other_key), Err(AuthError::BadSignature));

    // A valid token whose claims were swapped for an admin's: the signature no longer fits.
    let genuine = sign_rs(&claims(json!({})), RSA_PRIVATE, None);
    let parts: Vec<&str> = genuine.split('.').collect();
    let forged_claims = URL_SAFE_NO_PAD.encode(claims(json!({"role": "admin", "tenants": null})).to_string());
    let forged = format!("{}.{forged_claims}.{}", parts[0], parts[2]);
    assert_eq!(rs.verify(&forged), Err(AuthError::BadSignature));
    // A stripped signature.
    assert_eq!(rs.verify(&format!("{}.{}.", parts[0], parts[1])), Err(AuthError::BadSignature));
    // A flipped bit in the signature.
    let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    sig[10] ^= 1;
    let flipped = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig));
    assert_eq!(rs.verify(&flipped), Err(AuthError::BadSignature));
    assert!(rs.verify(&genuine).is_ok());
}

#[test]
fn expired_tokens_are_refused_beyond_the_leeway() {
    let v = verifier(vec![hs_key(None, HS_SECRET)]);
    let expired = sign_hs(&claims(json!({"exp": now() - 120})), HS_SECRET.as_bytes(), None);
    assert_eq!(v.verify(&expired), Err(AuthError::Expired));
    let within_leeway = sign_hs(&claims(json!({"exp": now() - 5})), HS_SECRET.as_bytes(), None);
    assert!(v.verify(&within_leeway).is_ok(), "30 s of clock skew are tolerated");
    let no_exp = sign_hs(&claims(json!({"exp": null})), HS_SECRET.as_bytes(), None);
    let err = v.verify(&no_exp).unwrap_err();
    assert_eq!(err.code(), "malformed_credentials");
    assert!(err.to_string().contains("`exp`"), "{err}");
    let text_exp = sign_hs(&claims(json!({"exp": "tomorrow"})), HS_SECRET.as_bytes(), None);
    assert_eq!(v.verify(&text_exp).unwrap_err().code(), "malformed_credentials");
}

#[test]
fn tokens_not_valid_yet_are_refused() {
    let v = verifier(vec![hs_key(None, HS_SECRET)]);
    let future = sign_hs(&claims(json!({"nbf": now() + 600})), HS_SECRET.as_bytes(), None);
    assert_eq!(v.verify(&future), Err(AuthError::NotYetValid));
    let skewed = sign_hs(&claims(json!({"nbf": now() + 5})), HS_SECRET.as_bytes(), None);
    assert!(v.verify(&skewed).is_ok());
}

#[test]
fn wrong_or_missing_audience_is_refused() {
    let v = verifier(vec![hs_key(None, HS_SECRET)]);
    for aud in [json!("billing"), json!(["billing", "crm"]), json!("Crossdock")] {
        let token = sign_hs(&claims(json!({ "aud": aud })), HS_SECRET.as_bytes(), None);
        assert_eq!(v.verify(&token), Err(AuthError::WrongAudience), "{aud}");
    }
    let missing = sign_hs(&claims(json!({"aud": null})), HS_SECRET.as_bytes(), None);
    assert_eq!(v.verify(&missing), Err(AuthError::WrongAudience));
    let among_several = sign_hs(&claims(json!({"aud": ["billing", AUDIENCE]})), HS_SECRET.as_bytes(), None);
    assert!(v.verify(&among_several).is_ok());
}

#[test]
fn wrong_or_missing_issuer_is_refused_when_configured() {
    let v = verifier(vec![hs_key(None, HS_SECRET)]);
    let wrong = sign_hs(&claims(json!({"iss": "https://evil.example"})), HS_SECRET.as_bytes(), None);
    assert_eq!(v.verify(&wrong), Err(AuthError::WrongIssuer));
    let missing = sign_hs(&claims(json!({"iss": null})), HS_SECRET.as_bytes(), None);
    assert_eq!(v.verify(&missing), Err(AuthError::WrongIssuer));

    let any_issuer = JwtVerifier::new(&JwtConfig {
        issuer: None,
        ..config(vec![hs_key(None, HS_SECRET)])
    })
    .unwrap();
    assert_eq!(
        any_issuer.verify(&wrong).unwrap().via,
        Via::Jwt {
            issuer: Some("https://evil.example".into())
        }
    );
    assert_eq!(any_issuer.verify(&missing).unwrap().via, Via::Jwt { issuer: None });
}

#[test]
fn alg_none_is_refused() {
    let v = verifier(vec![hs_key(None, HS_SECRET), rs_key(Some("rsa-1"), RSA_PUBLIC)]);
    let admin = claims(json!({"role": "admin", "tenants": null}));
    for alg in ["none", "None", "NONE", ""] {
        let token = hand_built(json!({"alg": alg, "typ": "JWT"}), &admin, "");
        let err = v.verify(&token).unwrap_err();
        assert!(matches!(err, AuthError::Algorithm(_)), "{alg}: {err:?}");
        assert_eq!(err.code(), "algorithm_refused");
    }
    // The literal token from the brief: `{"alg":"none"}`.
    let literal = format!("eyJhbGciOiJub25lIn0.{}.", URL_SAFE_NO_PAD.encode(admin.to_string()));
    assert!(matches!(v.verify(&literal), Err(AuthError::Algorithm(_))));
    let message = v.verify(&literal).unwrap_err().to_string();
    assert!(message.contains("`none`") && message.contains("HS256, RS256"), "{message}");
}

#[test]
fn hs256_signed_with_the_rsa_public_key_is_refused() {
    // Algorithm confusion: the attacker knows the public key and uses its PEM as an HMAC secret.
    let admin = claims(json!({"role": "admin", "tenants": null}));
    let rs_only = verifier(vec![rs_key(None, RSA_PUBLIC)]);
    for pem in [RSA_PUBLIC, RSA_PUBLIC.trim()] {
        let token = sign_hs(&admin, pem.as_bytes(), None);
        assert!(matches!(rs_only.verify(&token), Err(AuthError::Algorithm(_))));
    }
    // With both algorithms configured, naming the RSA key's kid does not help...
    let both = verifier(vec![hs_key(Some("hmac-1"), HS_SECRET), rs_key(Some("rsa-1"), RSA_PUBLIC)]);
    let with_kid = sign_hs(&admin, RSA_PUBLIC.as_bytes(), Some("rsa-1"));
    let err = both.verify(&with_kid).unwrap_err();
    assert!(matches!(err, AuthError::Algorithm(_)), "{err:?}");
    // ...and without a kid only the HMAC keys are tried, whose secret differs.
    let without_kid = sign_hs(&admin, RSA_PUBLIC.as_bytes(), None);
    assert_eq!(both.verify(&without_kid), Err(AuthError::BadSignature));
}

#[test]
fn algorithms_not_configured_are_refused() {
    let hs_only = verifier(vec![hs_key(None, HS_SECRET)]);
    let rs = sign_rs(&claims(json!({})), RSA_PRIVATE, None);
    assert!(matches!(hs_only.verify(&rs), Err(AuthError::Algorithm(_))));
    for alg in [jsonwebtoken::Algorithm::HS384, jsonwebtoken::Algorithm::HS512] {
        let token = jsonwebtoken::encode(
            &Header::new(alg),
            &claims(json!({})),
            &EncodingKey::from_secret(HS_SECRET.as_bytes()),
        )
        .unwrap();
        assert!(matches!(hs_only.verify(&token), Err(AuthError::Algorithm(_))), "{alg:?}");
    }
    let ps256 = hand_built(json!({"alg": "PS256"}), &claims(json!({})), "c2ln");
    assert!(matches!(hs_only.verify(&ps256), Err(AuthError::Algorithm(_))));
}

#[test]
fn kid_selects_the_key() {
    let second = "second-hs256-secret-0123456789abcdef-0123";
    let v = verifier(vec![hs_key(Some("k1"), HS_SECRET), hs_key(Some("k2"), second)]);
    let good = sign_hs(&claims(json!({})), second.as_bytes(), Some("k2"));
    assert!(v.verify(&good).is_ok());
    // Signed with k2's secret but claiming k1: only k1 is tried.
    let mismatched = sign_hs(&claims(json!({})), second.as_bytes(), Some("k1"));
    assert_eq!(v.verify(&mismatched), Err(AuthError::BadSignature));
    let unknown = sign_hs(&claims(json!({})), second.as_bytes(), Some("k9"));
    assert_eq!(v.verify(&unknown), Err(AuthError::UnknownKey));
    // Without a kid each key of the algorithm is tried.
    let no_kid = sign_hs(&claims(json!({})), second.as_bytes(), None);
    assert!(v.verify(&no_kid).is_ok());
}

#[test]
fn keys_without_kid_accept_tokens_naming_an_unknown_kid() {
    // A provider that always sends a kid, configured without one: the signature decides.
    let v = verifier(vec![rs_key(None, RSA_PUBLIC)]);
    let token = sign_rs(&claims(json!({})), RSA_PRIVATE, Some("idp-2026-01"));
    assert!(v.verify(&token).is_ok());
    let other = sign_rs(&claims(json!({})), OTHER_RSA_PRIVATE, Some("idp-2026-01"));
    assert_eq!(v.verify(&other), Err(AuthError::BadSignature));
}

#[test]
fn unknown_or_missing_roles_are_refused() {
    let v = verifier(vec![hs_key(None, HS_SECRET)]);
    for role in [json!("root"), json!("Admin"), json!(""), json!(["admin"]), json!(1)] {
        let token = sign_hs(&claims(json!({ "role": role })), HS_SECRET.as_bytes(), None);
        let err = v.verify(&token).unwrap_err();
        assert!(matches!(err, AuthError::UnknownRole(_)), "{role}: {err:?}");
    }
    let missing = sign_hs(&claims(json!({"role": null})), HS_SECRET.as_bytes(), None);
    assert!(matches!(v.verify(&missing), Err(AuthError::UnknownRole(_))));
    let root = sign_hs(&claims(json!({"role": "root"})), HS_SECRET.as_bytes(), None);
    assert!(v.verify(&root).unwrap_err().to_string().contains("`root`"));
}

#[test]
fn malformed_claims_are_refused_naming_the_claim() {
    let v = verifier(vec![hs_key(None, HS_SECRET)]);
    for (changes, claim) in [
        (json!({"sub": null}), "`sub`"),
        (json!({"sub": ""}), "`sub`"),
        (json!({"sub": 42}), "`sub`"),
        (json!({"tenants": "acme"}), "`tenants`"),
        (json!({"clients": [1, 2]}), "`clients`"),
        (json!({"regions": {"us": true}}), "`regions`"),
        (json!({"nodes": ["DC-EAST", null]}), "`nodes`"),
    ] {
        let token = sign_hs(&claims(changes.clone()), HS_SECRET.as_bytes(), None);
        let err = v.verify(&token).unwrap_err();
        assert_eq!(err.code(), "malformed_credentials", "{changes}");
        assert!(err.to_string().contains(claim), "{changes}: {err}");
    }
    // An explicit null is the same as leaving the claim out: no restriction.
    let mut with_null = claims(json!({}));
    with_null["nodes"] = Value::Null;
    let token = sign_hs(&with_null, HS_SECRET.as_bytes(), None);
    assert_eq!(v.verify(&token).unwrap().scope.nodes, None);
}

#[test]
fn garbage_tokens_are_malformed() {
    let v = verifier(vec![hs_key(None, HS_SECRET)]);
    let good = sign_hs(&claims(json!({})), HS_SECRET.as_bytes(), None);
    let parts: Vec<&str> = good.split('.').collect();
    for token in [
        String::new(),
        "abc".into(),
        "a.b".into(),
        "a.b.c".into(),
        "a.b.c.d.e".into(),
        format!("{good}.extra"),
        format!("!!!.{}.{}", parts[1], parts[2]),
        format!("{}.{}.{}", URL_SAFE_NO_PAD.encode("not json"), parts[1], parts[2]),
        format!("{}.{}.{}", URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT"}"#), parts[1], parts[2]),
        format!("{}.{}.{}", URL_SAFE_NO_PAD.encode(r#"{"alg":256}"#), parts[1], parts[2]),
        hand_built(json!({"alg": "HS256", "crit": ["b64"], "b64": false}), &claims(json!({})), parts[2]),
    ] {
        let err = v.verify(&token).unwrap_err();
        assert_eq!(err.code(), "malformed_credentials", "{token:?}: {err:?}");
    }
    // A correctly signed token whose claims are not JSON.
    let mut rng = rand::rng();
    for _ in 0..20 {
        let len = rng.random_range(1..60);
        let junk: String = (0..len).map(|_| rng.random_range(b'a'..=b'z') as char).collect();
        let token = format!("{junk}.{junk}.{junk}");
        assert!(v.verify(&token).is_err(), "{token}");
    }
}

#[test]
fn config_reads_a_multi_line_pem_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idp.pem");
    std::fs::write(&path, RSA_PUBLIC).unwrap();
    let text = format!(
        r#"
        issuer = "{ISSUER}"
        audience = "{AUDIENCE}"

        [[keys]]
        kid = "idp-1"
        alg = "RS256"
        public_key = "file:{}"
        "#,
        path.display()
    );
    let config: JwtConfig = toml::from_str(&text).unwrap();
    assert_eq!(config.leeway, 30, "the default leeway");
    assert_eq!(
        config.keys[0].public_key.as_ref().unwrap().expose().lines().count(),
        RSA_PUBLIC.lines().count()
    );
    let v = JwtVerifier::new(&config).unwrap();
    let token = sign_rs(&claims(json!({})), RSA_PRIVATE, Some("idp-1"));
    assert_eq!(v.verify(&token).unwrap().subject, "erp-acme");
}

#[test]
fn config_refuses_unknown_fields_and_inline_secrets() {
    let unknown = toml::from_str::<JwtConfig>("audience = \"x\"\nkeys = []\nleway = 10\n").unwrap_err();
    assert!(unknown.to_string().contains("leway"), "{unknown}");
    let key_field = toml::from_str::<JwtConfig>("audience = \"x\"\n[[keys]]\nalg = \"HS256\"\nsecrt = \"env:X\"\n").unwrap_err();
    assert!(key_field.to_string().contains("secrt"), "{key_field}");
    let inline = toml::from_str::<JwtConfig>("audience = \"x\"\n[[keys]]\nalg = \"HS256\"\nsecret = \"hunter2\"\n").unwrap_err();
    assert!(inline.to_string().contains("env:NAME"), "{inline}");
}

#[test]
fn verifier_construction_names_the_field_at_fault() {
    let cases: Vec<(JwtConfig, &str)> = vec![
        (config(vec![]), "keys:"),
        (
            JwtConfig {
                audience: " ".into(),
                ..config(vec![hs_key(None, HS_SECRET)])
            },
            "audience:",
        ),
        (
            JwtConfig {
                issuer: Some(String::new()),
                ..config(vec![hs_key(None, HS_SECRET)])
            },
            "issuer:",
        ),
        (
            config(vec![
                hs_key(None, HS_SECRET),
                JwtKey {
                    alg: "ES256".into(),
                    ..hs_key(None, HS_SECRET)
                },
            ]),
            "keys[1].alg: `ES256`",
        ),
        (
            config(vec![JwtKey {
                alg: "none".into(),
                ..hs_key(None, HS_SECRET)
            }]),
            "keys[0].alg",
        ),
        (
            config(vec![JwtKey {
                secret: None,
                ..hs_key(None, HS_SECRET)
            }]),
            "keys[0].secret",
        ),
        (
            config(vec![hs_key(None, "too-short")]),
            "keys[0].secret: an HS256 secret must be at least 32 bytes",
        ),
        (
            config(vec![JwtKey {
                public_key: Some(Secret::generated(RSA_PUBLIC.into())),
                ..hs_key(None, HS_SECRET)
            }]),
            "keys[0].public_key",
        ),
        (
            config(vec![JwtKey {
                public_key: None,
                ..rs_key(None, RSA_PUBLIC)
            }]),
            "keys[0].public_key",
        ),
        (
            config(vec![JwtKey {
                secret: Some(Secret::generated(HS_SECRET.into())),
                ..rs_key(None, RSA_PUBLIC)
            }]),
            "keys[0].secret",
        ),
        (
            config(vec![rs_key(
                None,
                "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----",
            )]),
            "keys[0].public_key: not an RSA public key",
        ),
        (config(vec![rs_key(None, "")]), "keys[0].public_key"),
        (config(vec![rs_key(None, RSA_PRIVATE)]), "keys[0].public_key: this is a private key"),
        (
            config(vec![rs_key(None, SMALL_RSA_PUBLIC)]),
            "keys[0].public_key: the RSA key has 1024 bits",
        ),
        (
            config(vec![
                hs_key(Some("a"), HS_SECRET),
                rs_key(Some("b"), RSA_PUBLIC),
                rs_key(Some("a"), RSA_PUBLIC),
            ]),
            "keys[2].kid: `a` is already the kid of keys[0]",
        ),
        (config(vec![hs_key(Some(""), HS_SECRET)]), "keys[0].kid"),
    ];
    for (config, expected) in cases {
        let err = JwtVerifier::new(&config).unwrap_err();
        assert!(
            err.starts_with(expected) || err.contains(expected),
            "expected {expected:?}, got {err:?}"
        );
    }
}

// ---------------------------------------------------------------- test keys

/// The identity provider's signing key (test only, generated with `openssl genrsa -traditional 2048`).
const RSA_PRIVATE: &str = "\
-----BEGIN RSA PRIVATE KEY-----
MIIEogIBAAKCAQEAnj6ghAhVinQ3vAMgaIEoXNX6zyvkYGyP+L1U3TbcMSMMYuDY
9l15MBKbaq4eR6keveu1GzurP/tlLgR7BsZNrc5p7h1Qpccl4pt/vOKE+UkiPOAP
/dKbd8oMNuPsB8HONjP91VbJCtfNGDQNFI7JyP44ZdXi2927WbdsHWQqaEQl+Syg
Jppe1FSgmpxi5fJqn+FCPysdxr86IYGUCMusXMCQTSNWywbjm5czDlpCe2ReUesl
n70AELw8/UID+fpxoAuYcYgIpEuo+jlHYQxY5XsscXob4VO8mMW+VFOgFf9XZrYN
dTIycdVLvUJHN4FavAo2/J1vPZQZ7gw+FDg4dwIDAQABAoIBAASQeCZVVNfC6why
NtKXBsD3152ObDomgDUjoraYvs/M7VEf5Z3NMZfMyZiLouF/cm48C6bBB7VaPQJg
7EBrotzzCERX8DYRW1DMd1LNdUizRgFQIy03p7D3EQMI2MWyJILaujxdY7Cp90c8
fGJ2pHArHV89IeGYzekaD53yUaMAImpehse/1yErXHNyJu7U/XDj3Rj6dT+QT+Je
H6Cy5G0d2ZWZblE8E5lnNKwcdCkNuJED3XW2ffHScl+nHjTJzhuFAk/+8jRVDnYK
ORqLsztBDjRgDp6F5Oi0J1UIwTf7ZTfX4Ur6Vd3OP153AZdCFeOM46ErdsFre+Pc
7pKi23ECgYEAzUBlY0yLvDXO/wcnzH6JkLxR251vNZLIHCsIDjqDu7djm0DyKwIJ
i3Ex2Wg/0OBBu0X+TexxJQilkq3FAbnheZd38BOsb7rNYTlZgNwnV+8JRjG6uumS
vYKNZFT0g7D2bSlcGJcTdJ59fd2DqZdgkC0y5G2rDmgMO97FA52i9FECgYEAxV7h
kGwOQfXDSIpbBUJbKrSt/Ze3mq/Eo/+x6pM+lbSfb9sfUw4SXT2fRZyq+z3qhFcl
SDYNJ/3ZBP8CSCZHWSb2399e9xBWeWrb9syixfKFkpuOZFSOdFdIxsTpJPl6Y1J1
YvubeOrP0v9jzFrmqsHgvCPsF0z7VqW2YSYvlkcCgYBjRFHExLCQRjXmgb9t14UQ
ywOMA4hVkLfXZ7htqT8s+nTiEXcN9d5H4mcJjrHOg6dGu4NSjJfsIVJyrjgprYyv
EeKf6ePr5ZyO+P2gpNkiXilOGZ8F5xFhNlLLw4q+ZkfIY8h23Bo8vKpUxV14GA5L
rJCAicnBHfFMw2DlbsfxAQKBgGtxzH+Po29a9/VchFJnnjOwamt8FVKbTwQsZVGa
2N4slwMQmYvgRDUIH9WIhTgCq9Fhk4UtD5puwZ7LqBVY6UxqPsj+07bR6RFuD9LZ
8d6quPZnwmtx8J77CT5T4cvkGDFLqWW6LRf1VC+8IjsUXTAmHU6ui47ftI+l5JQc
cplvAoGAZaq9GDoCQj1I/lPG1m/My08OLA9/ExhUbYMP2lNphMyDqgbUKLbcMGkF
oZ4RsBCLC/kaRp5SdjxWq+wpUAv6AWENOmh/yXHRyYXYdnFlF1HsPR+ui1/i4vzq
cTeMYHTekKZK3FeUPNs8cCh977Uj01hkimWW7i0ybWr1UHO24bI=
-----END RSA PRIVATE KEY-----
";

/// Its public half, SPKI (`openssl rsa -pubout`).
const RSA_PUBLIC: &str = "\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnj6ghAhVinQ3vAMgaIEo
XNX6zyvkYGyP+L1U3TbcMSMMYuDY9l15MBKbaq4eR6keveu1GzurP/tlLgR7BsZN
rc5p7h1Qpccl4pt/vOKE+UkiPOAP/dKbd8oMNuPsB8HONjP91VbJCtfNGDQNFI7J
yP44ZdXi2927WbdsHWQqaEQl+SygJppe1FSgmpxi5fJqn+FCPysdxr86IYGUCMus
XMCQTSNWywbjm5czDlpCe2ReUesln70AELw8/UID+fpxoAuYcYgIpEuo+jlHYQxY
5XsscXob4VO8mMW+VFOgFf9XZrYNdTIycdVLvUJHN4FavAo2/J1vPZQZ7gw+FDg4
dwIDAQAB
-----END PUBLIC KEY-----
";

/// The same public key as PKCS#1 (`openssl rsa -RSAPublicKey_out`).
const RSA_PUBLIC_PKCS1: &str = "\
-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAnj6ghAhVinQ3vAMgaIEoXNX6zyvkYGyP+L1U3TbcMSMMYuDY9l15
MBKbaq4eR6keveu1GzurP/tlLgR7BsZNrc5p7h1Qpccl4pt/vOKE+UkiPOAP/dKb
d8oMNuPsB8HONjP91VbJCtfNGDQNFI7JyP44ZdXi2927WbdsHWQqaEQl+SygJppe
1FSgmpxi5fJqn+FCPysdxr86IYGUCMusXMCQTSNWywbjm5czDlpCe2ReUesln70A
ELw8/UID+fpxoAuYcYgIpEuo+jlHYQxY5XsscXob4VO8mMW+VFOgFf9XZrYNdTIy
cdVLvUJHN4FavAo2/J1vPZQZ7gw+FDg4dwIDAQAB
-----END RSA PUBLIC KEY-----
";

/// Another 2048-bit key: an attacker's, or a rotated-out one.
const OTHER_RSA_PRIVATE: &str = "\
-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAw++3wACaE8eZCIe5OF/Fy3fVjPX5skm6OcEs5q5X8nW2WK8v
pgWXSrnBCzaqIMGH8evxssi9l7fJcU+r5OnKom5QHyN1gJeV+golQEB9JhC1zg/z
tUCdo2SJC/JF3/iNujjFOMnicxFqaF3I6GZRZbw76rcYqQR6f+Sx6PRd2WVVm1ri
AMzVXJMP4WMInmiyK1hZVkGcK7oKGDacEWW8/ZqdYZu+b1qMYeu28Dc/WupUGA6h
/iDexIS4E09F+f4RpIlNYAC3xZO4wA9RF40T2LZF9xYUB4bzqRFMTr+mC0l835Jv
d1JMTEDtquo2BQZMSAkqCPQkyr7r3lGWIoykpwIDAQABAoIBAF5MX53rbDv6wt8F
GxJTnYkYKlHGDB9PNm4XV3nKDI+nMVQrM/5uEGspTQwNigFrwvaefFt0GzMKg8uh
8XOhRSG5f5wM3788tTR6b4UlxFVuk2ER8lOYPoXlm8OBHTn2kJdAPULgfriseA60
nD2lCKWy2w9SgW7OtfoZYbpg6U33i4NC7aOvrOaJfBcDovbgz9ykDJCJZUtP0RPP
IyyoyoScEmn4WeCgUgNc9BgbASTQe+EENA4IFU+GJE3io4zBK90bflVn8AwWjQvY
MSxqUklrGukDkmHMXkf2sfaLYtam+xIaqmqBDU7v+YMjimOXPlcgOvIkLfB+vVY5
QcunRoECgYEA9zrcfxN4KSmBugsW43lOLHP8cihXIdhe1Aow/8oTJB48/ctnbjS3
sBQ2MvXXkH2vMAFxYv8HJfSX4yiEWRqmB+62/xZpazX7X1cXeqk3LZOfoPjEaHiW
W8l8+Ki3ZFmPtXZB7iuCsBLmCA4QCsfA1XJpyhh4mm3ZH+MzC357KMECgYEAyuMN
BF+4lL3GMk63AYzdoH8rdFfvWVvtJCcqMw0Fzme5kvk12UApbwjl94PIsPfCLSRn
Q2CgUmTwXR5bVD+Cbt78LtZPsTyduKMDyv+GsqS4lrlLBxejen9RoGlmVsvvYc0d
uXoDkrYxASJytGGk3XrV9QTOGZy6T3WI0Vwn/2cCgYEAmHbURAndsITIW9M66k2E
yCU/Kad3FIg68sjWLuiPpVaAhoNJ5czc+tl8EzFJHvJjd1dsdYCRB/cvNAdolwq4
GWw9rlJD8Ln5q3IqKJryTEkdyEeh2EuFblVznGVvs5MH7QBg6GAs2CjPc2g4vG0z
nm5QjzFILvRPUjrq38vAaAECgYBd6oZ/DNRDvik95mQeipeZEOULoR0Br2TxxFNr
eE7Ewg0MNOIxY9sKNANH9S/0g2vWO7C1Zsgv+9usLz41nISDUCNKhxgywg18h7Fc
ybYPgeKUmsdZTB73uHIPoFqoORThn/JvhkSbKE086jZQu5Z2k8Lw/b1t67fuykiA
KXm2ZwKBgQDG+/vA8PhQtoluS6Yoz1WfbjuzLuBHo0xfFKMnbFA5UiA+oReJRBg/
IPHLdI+wPzgRE71nziKFNbXXRtC9DKRdINNpQIZPGfIugbQqkfrmJ9AWcFmpRd1+
5EnFVDyI0XaRdyJvRqRJnvC+fZWR3FKGskNqG38Fusr3tLVO0Z9RCQ==
-----END RSA PRIVATE KEY-----
";

/// A 1024-bit public key, too small to accept.
const SMALL_RSA_PUBLIC: &str = "\
-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDT9buV8jIiVtSEDPlEIJRFid5i
tFhrcm3qfKlx89U4sFalK0nAkceD7pVM7E38OzXjUid9ZelVMVW+OOokfluyCpsN
xtZy7dJnhaxm4rrL0NMzAYrBfAiSYP8pEEvQVsAExjVnLqWjJAU3PePOnfTe5WFv
ALcsGDapc5qO54+GYQIDAQAB
-----END PUBLIC KEY-----
";
