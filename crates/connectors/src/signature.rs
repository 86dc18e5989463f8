//! Webhook signatures: HMAC-SHA256 of the raw body under a shared secret.
//!
//! The encodings in use: Shopify's (`X-Shopify-Hmac-Sha256`, base64 of the
//! MAC), AfterShip's (`aftership-hmac-sha256`, the same base64), EasyPost's
//! (`X-Hmac-Signature: hmac-sha256-hex=<hex>`, with the secret NFKD-normalised
//! first) and crossdock's own for WMS, helpdesk and canonical events
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
use unicode_normalization::UnicodeNormalization;

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

/// Verifies a base64 HMAC-SHA256 of the raw body: Shopify's
/// `X-Shopify-Hmac-Sha256` (keyed with the app's client secret) and
/// WooCommerce's `X-WC-Webhook-Signature` (keyed with the webhook's secret).
/// Standard base64 with padding, as both send it.
pub fn verify_base64_sha256(secrets: &[&[u8]], body: &[u8], header_b64: &str) -> bool {
    STANDARD
        .decode(header_b64.trim())
        .is_ok_and(|expected| matches_any(secrets, body, &expected))
}

/// The base64 HMAC-SHA256 of `body`, as Shopify and WooCommerce send it;
/// used by the simulator and tests.
pub fn sign_base64_sha256(secret: &[u8], body: &[u8]) -> String {
    STANDARD.encode(mac(secret, body))
}

/// Verifies `X-Shopify-Hmac-Sha256`: base64 of HMAC-SHA256 of the raw body
/// with the app's client secret.
pub fn verify_shopify(secrets: &[&[u8]], body: &[u8], header_b64: &str) -> bool {
    verify_base64_sha256(secrets, body, header_b64)
}

/// The `X-Shopify-Hmac-Sha256` value Shopify would send for `body`; used by
/// the simulator and tests.
pub fn sign_shopify(secret: &[u8], body: &[u8]) -> String {
    sign_base64_sha256(secret, body)
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

/// Prefix of EasyPost's `X-Hmac-Signature` header value.
pub const EASYPOST_PREFIX: &str = "hmac-sha256-hex=";

/// The key EasyPost signs with: the webhook secret in Unicode NFKD form, as
/// its client libraries normalise it before use. A secret typed with a
/// composed `é` therefore still verifies; one that is not UTF-8 is used as is.
fn easypost_key(secret: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(secret) {
        Ok(text) => text.nfkd().collect::<String>().into_bytes(),
        Err(_) => secret.to_vec(),
    }
}

/// Verifies EasyPost's `X-Hmac-Signature: hmac-sha256-hex=<hex>`: HMAC-SHA256
/// of the raw body keyed with the NFKD form of the webhook secret.
pub fn verify_easypost(secrets: &[&[u8]], body: &[u8], header: &str) -> bool {
    let Some(expected) = header
        .trim()
        .strip_prefix(EASYPOST_PREFIX)
        .and_then(|digits| hex::decode(digits).ok())
    else {
        return false;
    };
    let keys: Vec<Vec<u8>> = secrets.iter().map(|secret| easypost_key(secret)).collect();
    let keys: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
    matches_any(&keys, body, &expected)
}

/// The `X-Hmac-Signature` value EasyPost would send for `body`.
pub fn sign_easypost(secret: &[u8], body: &[u8]) -> String {
    format!("{EASYPOST_PREFIX}{}", hex::encode(mac(&easypost_key(secret), body)))
}

/// Verifies AfterShip's `aftership-hmac-sha256`: base64 of HMAC-SHA256 of the
/// raw body with the account's webhook secret (Shopify's construction).
pub fn verify_aftership(secrets: &[&[u8]], body: &[u8], header_b64: &str) -> bool {
    verify_shopify(secrets, body, header_b64)
}

/// The `aftership-hmac-sha256` value AfterShip would send for `body`.
pub fn sign_aftership(secret: &[u8], body: &[u8]) -> String {
    sign_shopify(secret, body)
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

    /// EasyPost's client-library HMAC vector, `webhooks.secret` and
    /// `webhooks.hmac_signature` of easypost_client-library-fixtures.json,
    /// over easypost_event-body.json. The secret is stored composed (`sécret`,
    /// U+00E9); the vector only holds once it is NFKD-normalised, and only
    /// over the body without the file's final newline (the stored file ends
    /// with one that is not part of the signed body).
    #[test]
    fn easypost_vector_from_the_client_library_fixtures() {
        let fixtures: serde_json::Value =
            serde_json::from_slice(&crate::testutil::fixture("carrier-tracking/easypost_client-library-fixtures.json")).unwrap();
        let secret = fixtures["webhooks"]["secret"].as_str().unwrap();
        let expected = fixtures["webhooks"]["hmac_signature"].as_str().unwrap();
        assert_eq!(secret, "s\u{e9}cret", "the fixture stores the composed form");
        assert!(expected.starts_with(EASYPOST_PREFIX));
        let file = crate::testutil::fixture("carrier-tracking/easypost_event-body.json");
        let body = file.strip_suffix(b"\n").expect("the stored body ends with a newline");

        assert_eq!(sign_easypost(secret.as_bytes(), body), expected);
        assert!(verify_easypost(&[secret.as_bytes()], body, expected));
        // The decomposed secret is the same key, so it verifies too.
        assert!(verify_easypost(&["se\u{301}cret".as_bytes()], body, expected));
        // Without normalisation the composed secret is a different key.
        let digits = expected.strip_prefix(EASYPOST_PREFIX).unwrap();
        assert_ne!(sign_hex_sha256(secret.as_bytes(), body), format!("{HEX_PREFIX}{digits}"));
        assert_eq!(sign_hex_sha256("se\u{301}cret".as_bytes(), body), format!("{HEX_PREFIX}{digits}"));
        // The file as stored, newline included, is not what was signed.
        assert!(!verify_easypost(&[secret.as_bytes()], &file, expected));
        // Only EasyPost's prefix is accepted, in either hex case.
        assert!(!verify_easypost(&[secret.as_bytes()], body, &format!("{HEX_PREFIX}{digits}")));
        assert!(!verify_easypost(&[secret.as_bytes()], body, digits));
        assert!(verify_easypost(
            &[secret.as_bytes()],
            body,
            &format!("{EASYPOST_PREFIX}{}", digits.to_uppercase())
        ));
        assert!(!verify_easypost(&[b"other", b""], body, expected));
        assert!(verify_easypost(&[b"other", secret.as_bytes()], body, expected), "rotation");
    }

    #[test]
    fn aftership_is_base64_of_the_body_mac() {
        let b64 = STANDARD.encode(hex::decode(RFC_MAC).unwrap());
        assert_eq!(sign_aftership(RFC_KEY, RFC_DATA), b64);
        assert!(verify_aftership(&[b"new", RFC_KEY], RFC_DATA, &b64));
        assert!(!verify_aftership(&[RFC_KEY], b"what do ya want for nothing!", &b64));
        assert!(!verify_aftership(&[RFC_KEY], RFC_DATA, RFC_MAC), "hex is not AfterShip's encoding");
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

    /// WooCommerce signs the body exactly as sent (`base64_encode(hash_hmac('sha256', $body,
    /// wp_specialchars_decode($secret), true))`); the expected value was computed with Python's
    /// `hmac` over the fixture's bytes. The secret is HTML-decoded first, so one saved as
    /// `…&amp;…` signs as `…&…`: crossdock is configured with the secret as typed.
    #[test]
    fn woocommerce_signature_over_a_real_order_body() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/woocommerce/woocommerce_v3_orders_create_an_order.json"
        );
        let body = std::fs::read(path).unwrap();
        let header = "qvYJdm7ApsJEIkJd32Tg2JyoMerYgAm/5XkSuNqUQWE=";
        assert_eq!(sign_base64_sha256(b"wc-secret-&-more", &body), header);
        assert!(verify_base64_sha256(&[b"wc-secret-&-more"], &body, header));
        assert!(!verify_base64_sha256(&[b"wc-secret-&amp;-more"], &body, header));
        assert!(!verify_base64_sha256(&[b"wc-secret-&-more"], &body[..body.len() - 1], header));
        assert!(verify_shopify(&[b"wc-secret-&-more"], &body, header), "one scheme, two senders");
    }

    #[test]
    fn previous_secret_works_during_rotation_and_empty_secrets_never_do() {
        let header = sign_shopify(b"old", b"body");
        assert!(verify_shopify(&[b"new", b"old"], b"body", &header));
        assert!(!verify_shopify(&[b"new"], b"body", &header));
        assert!(!verify_shopify(&[], b"body", &header));
        let unkeyed = sign_hex_sha256(b"", b"body");
        assert!(!verify_hex_sha256(&[b""], b"body", &unkeyed));
        assert!(!verify_easypost(&[b""], b"body", &sign_easypost(b"", b"body")));
        assert!(!verify_aftership(&[b""], b"body", &sign_aftership(b"", b"body")));
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
            let easypost_header = sign_easypost(&secret, &body);
            let aftership_header = sign_aftership(&secret, &body);
            prop_assert!(verify_hex_sha256(&[&secret], &body, &hex_header));
            prop_assert!(verify_shopify(&[&secret], &body, &b64_header));
            prop_assert!(verify_easypost(&[&secret], &body, &easypost_header));
            prop_assert!(verify_aftership(&[&secret], &body, &aftership_header));
            let mut tampered = body.clone();
            tampered[index.index(body.len())] ^= flip;
            prop_assert!(!verify_hex_sha256(&[&secret], &tampered, &hex_header));
            prop_assert!(!verify_shopify(&[&secret], &tampered, &b64_header));
            prop_assert!(!verify_easypost(&[&secret], &tampered, &easypost_header));
            prop_assert!(!verify_aftership(&[&secret], &tampered, &aftership_header));
        }

        #[test]
        fn arbitrary_headers_never_panic(header in ".{0,100}", body in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = verify_hex_sha256(&[b"k"], &body, &header);
            let _ = verify_shopify(&[b"k"], &body, &header);
            let _ = verify_easypost(&[b"k", "s\u{e9}cret".as_bytes(), &[0xff, 0xfe]], &body, &header);
            let _ = verify_aftership(&[b"k"], &body, &header);
        }
    }
}
