//! The HTTP call a sink asks for. Sinks are pure: they render a
//! [`model::outbound::Message`] into a [`Request`]; the server's dispatcher
//! adds the base URL, credentials and the idempotency key, makes the call and
//! classifies the answer with [`Outcome::classify`].

use std::time::Duration;

/// HTTP method of an outbound call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One rendered outbound call, relative to the connection's `base_url`.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    /// Path and query, starting with `/`, e.g. `/admin/api/2025-07/inventory_levels/set.json`.
    pub path: String,
    /// Extra headers the target expects (not auth, not the idempotency key).
    pub headers: Vec<(String, String)>,
    /// JSON body; `None` for calls without one.
    pub body: Option<serde_json::Value>,
}

impl Request {
    pub fn post(path: impl Into<String>, body: serde_json::Value) -> Self {
        Request {
            method: Method::Post,
            path: path.into(),
            headers: Vec::new(),
            body: Some(body),
        }
    }

    pub fn put(path: impl Into<String>, body: serde_json::Value) -> Self {
        Request {
            method: Method::Put,
            ..Request::post(path, body)
        }
    }
}

/// What an answer from the target means for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done; the message leaves the outbox.
    Delivered,
    /// Worth trying again (network error, 5xx, 408, 429); `after` is the
    /// target's own `Retry-After` when it sent one.
    Retry { reason: String, after: Option<Duration> },
    /// Will never succeed as rendered (4xx other than 408/409/429): the message
    /// goes to the dead-letter queue with the reason, to be replayed once the
    /// mapping or the data is fixed.
    Permanent { reason: String },
}

impl Outcome {
    /// Classifies an HTTP answer. A 409 counts as delivered: targets answer it
    /// when they already hold this idempotency key. The reason quotes the
    /// start of the body with e-mails and phone numbers masked: a target may
    /// echo the customer it refused, and reasons are logged and stored.
    pub fn classify(status: u16, retry_after: Option<&str>, body: &str) -> Outcome {
        let excerpt = || {
            let body = body.trim();
            let cut = body.char_indices().nth(300).map_or(body.len(), |(i, _)| i);
            format!("HTTP {status}: {}", model::pii::mask_text(&body[..cut]))
        };
        match status {
            200..=299 | 409 => Outcome::Delivered,
            408 | 425 | 429 | 500..=599 => Outcome::Retry {
                reason: excerpt(),
                after: retry_after.and_then(parse_retry_after),
            },
            _ => Outcome::Permanent { reason: excerpt() },
        }
    }
}

/// `Retry-After` in seconds (fractions accepted, as Shopify sends `2.0`).
/// HTTP dates are not honoured; the dispatcher's own backoff applies.
pub fn parse_retry_after(raw: &str) -> Option<Duration> {
    let secs: f64 = raw.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified() {
        assert_eq!(Outcome::classify(201, None, ""), Outcome::Delivered);
        assert_eq!(Outcome::classify(409, None, "duplicate"), Outcome::Delivered);
        assert_eq!(
            Outcome::classify(429, Some("2.0"), "slow down"),
            Outcome::Retry {
                reason: "HTTP 429: slow down".into(),
                after: Some(Duration::from_secs(2))
            }
        );
        assert!(matches!(Outcome::classify(503, None, ""), Outcome::Retry { after: None, .. }));
        assert_eq!(
            Outcome::classify(422, None, "{\"errors\":\"location_id is invalid\"}"),
            Outcome::Permanent {
                reason: "HTTP 422: {\"errors\":\"location_id is invalid\"}".into()
            }
        );
        // A refusal that echoes the customer is kept without their contact details.
        let Outcome::Permanent { reason } = Outcome::classify(
            400,
            None,
            "{\"error\":\"requester ada.lovelace@example.com, +1 415-555-0199 is blocked\"}",
        ) else {
            panic!("a 400 is permanent");
        };
        assert!(
            !reason.contains("ada.lovelace@example.com") && !reason.contains("555-0199"),
            "{reason}"
        );
        assert!(reason.contains("is blocked"));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
