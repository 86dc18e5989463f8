//! API keys: `cdk_<id>_<secret>`, stored only as an argon2id hash.
//!
//! The id (12 lowercase hex characters) is public: it names the key in
//! listings, audit entries and revocations, and lets the server find the one
//! stored hash to check. The secret is 32 random bytes, base64url without
//! padding (43 characters).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use parking_lot::Mutex;
use rand::Rng;
use sha2::{Digest, Sha256};

const PREFIX: &str = "cdk_";
const ID_LEN: usize = 12;
const SECRET_BYTES: usize = 32;
/// base64url of 32 bytes without padding.
const SECRET_LEN: usize = 43;

/// argon2id with 8 MiB and 2 passes: about 6 ms per verification in a release
/// build on one core of the CI machine (the crate's default, 19 MiB, takes
/// 20 ms). The secret has 256 random bits, so guessing it is hopeless whatever
/// the cost; the hash only keeps a leaked database from yielding usable keys.
/// A cheap verification keeps request latency and the CPU spent on floods of
/// wrong keys low. The parameters are written into each PHC string, so they
/// can change later without invalidating stored keys.
fn hasher() -> Argon2<'static> {
    let params = Params::new(8 * 1024, 2, 1, None).expect("fixed argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A freshly generated key. `token` is shown to its owner once; only `hash`
/// is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct NewKey {
    pub id: String,
    pub token: String,
    /// argon2id PHC string of the whole token.
    pub hash: String,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("id", &self.id)
            .field("token", &"***")
            .field("hash", &self.hash)
            .finish()
    }
}

/// A new random key and its hash.
pub fn generate() -> NewKey {
    let mut rng = rand::rng();
    let id = hex::encode(rng.random::<[u8; ID_LEN / 2]>());
    let secret = URL_SAFE_NO_PAD.encode(rng.random::<[u8; SECRET_BYTES]>());
    let token = format!("{PREFIX}{id}_{secret}");
    let salt = SaltString::encode_b64(&rng.random::<[u8; 16]>()).expect("16 bytes is a valid salt length");
    let hash = hasher()
        .hash_password(token.as_bytes(), &salt)
        .expect("argon2 with fixed, valid parameters cannot fail")
        .to_string();
    NewKey { id, token, hash }
}

/// The key id of a token shaped like `cdk_<id>_<secret>`, or `None`. Checks
/// the shape only: whether the key exists and the secret is right is
/// [`verify`]'s job.
pub fn parse_token(token: &str) -> Option<&str> {
    let rest = token.strip_prefix(PREFIX)?;
    // The id is hex, so the first `_` ends it even though base64url secrets may contain `_`.
    let (id, secret) = rest.split_once('_')?;
    let id_ok = id.len() == ID_LEN && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    // Decoding (not just a charset check) also refuses non-canonical trailing bits.
    let secret_ok = secret.len() == SECRET_LEN && URL_SAFE_NO_PAD.decode(secret).is_ok_and(|b| b.len() == SECRET_BYTES);
    (id_ok && secret_ok).then_some(id)
}

/// Whether `token` is the key whose stored hash is `hash_phc`. A token of the
/// wrong shape or a malformed hash is `false`, never an error. Costs one
/// argon2 run (milliseconds): call it off the async threads, and put what
/// verified in a [`KeyCache`].
pub fn verify(hash_phc: &str, token: &str) -> bool {
    if parse_token(token).is_none() {
        return false;
    }
    let Ok(hash) = PasswordHash::new(hash_phc) else {
        return false;
    };
    // Only argon2id: a stored hash of another kind is not ours.
    if hash.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    // Argon2::default() takes the cost parameters from the PHC string itself.
    Argon2::default().verify_password(token.as_bytes(), &hash).is_ok()
}

struct Entry {
    id: String,
    at: Instant,
}

/// Tokens that verified recently, so argon2 runs once per key per TTL instead
/// of on every request. Keyed by the SHA-256 of the whole token: a token is
/// served from here only if it is byte for byte one that verified, and the
/// plain token is never kept in memory.
///
/// A hit says only that the secret is right: whether the key is still valid
/// (revoked on another instance, say) is for the caller to check against the
/// store. Call [`KeyCache::forget`] on revocation.
pub struct KeyCache {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

impl KeyCache {
    /// How long a verified token is remembered by default.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(5 * 60);
    /// How many tokens are remembered at most by default.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// A cache remembering up to `capacity` tokens for `ttl` each.
    pub fn new(ttl: Duration, capacity: usize) -> KeyCache {
        KeyCache {
            ttl,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The key id of `token` if it verified less than the TTL ago.
    pub fn get(&self, token: &str) -> Option<String> {
        self.get_at(token, Instant::now())
    }

    /// Remembers that `token` verified as key `id`.
    pub fn insert(&self, token: &str, id: &str) {
        self.insert_at(token, id, Instant::now());
    }

    /// Forgets every token of key `id` (on revocation).
    pub fn forget(&self, id: &str) {
        self.entries.lock().retain(|_, e| e.id != id);
    }

    /// How many tokens are remembered (expired ones included until evicted).
    pub fn len(&self) -> usize {
        self.entries.lock().len()
    }

    /// Whether no token is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn get_at(&self, token: &str, now: Instant) -> Option<String> {
        let digest = digest(token);
        let mut entries = self.entries.lock();
        let entry = entries.get(&digest)?;
        if now.saturating_duration_since(entry.at) < self.ttl {
            return Some(entry.id.clone());
        }
        entries.remove(&digest);
        None
    }

    pub(super) fn insert_at(&self, token: &str, id: &str, now: Instant) {
        let digest = digest(token);
        let mut entries = self.entries.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&digest) {
            entries.retain(|_, e| now.saturating_duration_since(e.at) < self.ttl);
            // Still full of live entries: drop the oldest. A linear scan, but
            // only when full, and 10,000 entries take microseconds.
            if entries.len() >= self.capacity
                && let Some(oldest) = entries.iter().min_by_key(|(_, e)| e.at).map(|(k, _)| *k)
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(
            digest,
            Entry {
                id: id.to_owned(),
                at: now,
            },
        );
    }
}

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache::new(KeyCache::DEFAULT_TTL, KeyCache::DEFAULT_CAPACITY)
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}
