//! Webhook signatures: HMAC-SHA256 of the raw body under a shared secret.
//!
//! Two encodings are in use: Shopify's (`X-Shopify-Hmac-Sha256`, base64 of the
//! MAC) and crossdock's own for WMS, helpdesk and canonical events
//! (`X-Crossdock-Signature: sha256=<hex>`, as GitHub signs webhooks).
//!
//! Every verifier takes a list of secrets and accepts a match with any of
//! them, so a connection keeps working while its secret is rotated (Shopify's
//! own libraries retry with the previous secret the same way). Comparisons are
//! constant-time, and a secret that is empty is never used: it would make
//! every signature forgeable, so it is treated as not configured.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::{Choice, ConstantTimeEq};

/// Prefix of crossdock's signature header value.
pub const HEX_PREFIX: &str = "sha256=";

const MAC_LEN: usize = 32;

fn mac(secret: &[u8], body: &[u8]) -> [u8; MAC_LEN] {
    // HMAC takes keys of any length (long ones are hashed), so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// Whether `expected` is the MAC of `body` under any non-empty secret. Every
/// secret is tried, so the time taken does not say which one matched.
fn matches_any(secrets: &[&[u8]], body: &[u8], expected: &[u8]) -> bool {
    if expected.len() != MAC_LEN {
        return false;
    }
    let found = secrets
        .iter()
        .filter(|secret| !secret.is_empty())
        .fold(Choice::from(0), |found, secret| found | mac(secret, body).ct_eq(expected));
    found.into()
}

/// Verifies `X-Shopify-Hmac-Sha256`: base64 of HMAC-SHA256 of the raw body
/// with the app's client secret.
pub fn verify_shopify(secrets: &[&[u8]], body: &[u8], header_b64: &str) -> bool {
    STANDARD
        .decode(header_b64.trim())
        .is_ok_and(|expected| matches_any(secrets, body, &expected))
}

/// The `X-Shopify-Hmac-Sha256` value Shopify would send for `body`; used by
/// the simulator and tests.
pub fn sign_shopify(secret: &[u8], body: &[u8]) -> String {
    STANDARD.encode(mac(secret, body))
}

/// Verifies `X-Crossdock-Signature: sha256=<hex>`. A value without the
/// prefix, with odd or non-hex digits, or of the wrong length is refused.
pub fn verify_hex_sha256(secrets: &[&[u8]], body: &[u8], header: &str) -> bool {
    header
        .trim()
        .strip_prefix(HEX_PREFIX)
        .and_then(|digits| hex::decode(digits).ok())
        .is_some_and(|expected| matches_any(secrets, body, &expected))
}

/// The `X-Crossdock-Signature` value for `body`: `sha256=` and the lowercase
/// hex HMAC-SHA256.
pub fn sign_hex_sha256(secret: &[u8], body: &[u8]) -> String {
    format!("{HEX_PREFIX}{}", hex::encode(mac(secret, body)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // RFC 4231, test case 2.
    const RFC_KEY: &[u8] = b"Jefe";
    const RFC_DATA: &[u8] = b"what do ya want for nothing?";
    const RFC_MAC: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn rfc_4231_vector_in_both_encodings() {
        assert_eq!(sign_hex_sha256(RFC_KEY, RFC_DATA), format!("sha256={RFC_MAC}"));
        assert!(verify_hex_sha256(&[RFC_KEY], RFC_DATA, &format!("sha256={RFC_MAC}")));
        assert!(verify_hex_sha256(
            &[RFC_KEY],
            RFC_DATA,
            &format!("sha256={}", RFC_MAC.to_uppercase())
        ));
        let b64 = STANDARD.encode(hex::decode(RFC_MAC).unwrap());
        assert_eq!(sign_shopify(RFC_KEY, RFC_DATA), b64);
        assert!(verify_shopify(&[RFC_KEY], RFC_DATA, &b64));
    }

    /// EasyPost's client-library HMAC vector (`webhooks.hmac_signature` in
    /// carrier-tracking/easypost_client-library-fixtures.json): the secret
    /// `sécret` in NFKD form over easypost_event-body.json without its final
    /// newline. EasyPost sends it as `hmac-sha256-hex=<hex>`; the MAC is the
    /// same construction as ours, only the prefix differs.
    #[test]
    fn easypost_hex_vector() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/carrier-tracking/easypost_event-body.json"
        );
        let body = std::fs::read(path).unwrap();
        let body = body.strip_suffix(b"\n").unwrap_or(&body);
        let secret = "se\u{301}cret".as_bytes();
        let digest = "38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db";
        assert_eq!(sign_hex_sha256(secret, body), format!("sha256={digest}"));
        assert!(verify_hex_sha256(&[secret], body, &format!("sha256={digest}")));
        // Composed `é` is a different key, and EasyPost's own prefix is not ours.
        assert!(!verify_hex_sha256(&["sécret".as_bytes()], body, &format!("sha256={digest}")));
        assert!(!verify_hex_sha256(&[secret], body, &format!("hmac-sha256-hex={digest}")));
    }

    #[test]
    fn malformed_headers_are_refused() {
        let good = sign_hex_sha256(b"k", b"body");
        let digits = good.strip_prefix(HEX_PREFIX).unwrap();
        for bad in [
            digits.to_owned(),
            format!("sha1={digits}"),
            format!("sha256={}", &digits[1..]),
            format!("sha256={}zz", &digits[2..]),
            String::new(),
        ] {
            assert!(!verify_hex_sha256(&[b"k"], b"body", &bad), "{bad}");
        }
        assert!(!verify_shopify(&[b"k"], b"body", "not base64!"));
        assert!(!verify_shopify(&[b"k"], b"body", &STANDARD.encode([0u8; 16])));
        assert!(!verify_shopify(&[b"k"], b"body", ""));
    }

    #[test]
    fn previous_secret_works_during_rotation_and_empty_secrets_never_do() {
        let header = sign_shopify(b"old", b"body");
        assert!(verify_shopify(&[b"new", b"old"], b"body", &header));
        assert!(!verify_shopify(&[b"new"], b"body", &header));
        assert!(!verify_shopify(&[], b"body", &header));
        let unkeyed = sign_hex_sha256(b"", b"body");
        assert!(!verify_hex_sha256(&[b""], b"body", &unkeyed));
    }

    proptest! {
        #[test]
        fn a_signature_verifies_and_any_flipped_byte_fails(
            secret in proptest::collection::vec(any::<u8>(), 1..64),
            body in proptest::collection::vec(any::<u8>(), 1..256),
            index in any::<prop::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let hex_header = sign_hex_sha256(&secret, &body);
            let b64_header = sign_shopify(&secret, &body);
            prop_assert!(verify_hex_sha256(&[&secret], &body, &hex_header));
            prop_assert!(verify_shopify(&[&secret], &body, &b64_header));
            let mut tampered = body.clone();
            tampered[index.index(body.len())] ^= flip;
            prop_assert!(!verify_hex_sha256(&[&secret], &tampered, &hex_header));
            prop_assert!(!verify_shopify(&[&secret], &tampered, &b64_header));
        }

        #[test]
        fn arbitrary_headers_never_panic(header in ".{0,100}", body in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = verify_hex_sha256(&[b"k"], &body, &header);
            let _ = verify_shopify(&[b"k"], &body, &header);
        }
    }
}
