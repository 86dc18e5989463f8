//! Request signatures, computed over the exact body bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn hmac_sha256(secret: &str, body: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// `X-Shopify-Hmac-Sha256`: base64 of HMAC-SHA256 keyed with the app secret.
pub(crate) fn shopify(secret: &str, body: &[u8]) -> String {
    STANDARD.encode(hmac_sha256(secret, body))
}

/// `X-Crossdock-Signature`: `sha256=` and lowercase hex, as GitHub signs webhooks.
pub(crate) fn crossdock(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(hmac_sha256(secret, body)))
}

/// Serialise a wire struct. Our structs hold only strings, numbers, dates and
/// string-keyed maps, which serde_json always manages.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("wire structs always serialise to JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_rfc_4231_test_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        let sig = crossdock("Jefe", b"what do ya want for nothing?");
        assert_eq!(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert_eq!(
            shopify("Jefe", b"what do ya want for nothing?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="
        );
    }
}
