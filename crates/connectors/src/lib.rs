//! Wire formats of the external systems crossdock talks to, and nothing else.
//!
//! Each module turns one system's inbound payloads into canonical
//! [`model::Event`]s with pure functions: no I/O, no clock, no configuration.
//! The server checks a request with [`signature`], then hands the raw body to
//! the connector; what comes back is ready for the event log. Keeping the
//! wire shapes here is what lets the domain (`model`, `engine`) never see one.

pub mod bigcommerce;
pub mod carrier;
pub mod connector;
mod de;
pub mod edi;
pub mod helpdesk;
pub mod outbound;
pub mod shopify;
pub mod signature;
pub mod wms;
pub mod woocommerce;

#[cfg(test)]
mod testutil;

/// Why an inbound payload was refused. Every variant has a stable
/// [`code`](Error::code) and, where one applies, the [`field`](Error::field)
/// at fault, so the server can answer `{code, message, field}` without
/// knowing any wire format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The request's signature does not match its body under any configured secret.
    #[error(
        "The webhook signature is missing or does not match the body. Hint: check the \
         connection's secret; while rotating it, configure the previous secret as well."
    )]
    InvalidSignature,
    /// A header the sender always sets is absent or empty.
    #[error("Header `{0}` is required but missing or empty.")]
    MissingHeader(&'static str),
    /// A well-formed webhook for a topic this connector does not handle.
    #[error(
        "Webhook topic `{0}` is not handled by this connector. Hint: subscribe the webhook \
         only to the topics the connector documents."
    )]
    UnsupportedTopic(String),
    /// The body is not JSON, or not the shape the sender documents.
    #[error("{}", with_field(.message, .field.as_deref()))]
    InvalidPayload {
        /// Path of the offending value, e.g. `line_items[0].quantity`.
        field: Option<String>,
        message: String,
    },
    /// The body has the right shape but a value the model refuses (a SKU
    /// with spaces, a zero quantity); the model's code is kept.
    #[error(transparent)]
    InvalidValue(#[from] model::Error),
}

impl Error {
    /// Stable, machine-readable code, e.g. `invalid_payload` or `invalid_sku`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidSignature => "invalid_signature",
            Error::MissingHeader(_) => "missing_header",
            Error::UnsupportedTopic(_) => "unsupported_topic",
            Error::InvalidPayload { .. } => "invalid_payload",
            Error::InvalidValue(e) => e.code,
        }
    }

    /// The header name or the JSON path of the value at fault, when there is one.
    pub fn field(&self) -> Option<String> {
        match self {
            Error::MissingHeader(name) => Some((*name).to_owned()),
            Error::InvalidPayload { field, .. } => field.clone(),
            Error::InvalidValue(e) => e.field.clone(),
            Error::InvalidSignature | Error::UnsupportedTopic(_) => None,
        }
    }

    pub(crate) fn payload(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidPayload {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// Prefixes the field path with `outer`, so an error found inside one
    /// element of a batch names it: `lines[0].sku` becomes `[2].lines[0].sku`.
    pub(crate) fn at(self, outer: &str) -> Self {
        match self {
            Error::InvalidPayload { field, message } => Error::InvalidPayload {
                field: Some(join_path(outer, field.as_deref())),
                message,
            },
            Error::InvalidValue(e) => Error::InvalidValue(e.at(outer)),
            other => other,
        }
    }
}

/// Joins an outer and an inner path the way [`model::Error::at`] does: no dot
/// before an index.
pub(crate) fn join_path(outer: &str, inner: Option<&str>) -> String {
    match inner {
        None | Some("") => outer.to_owned(),
        Some(inner) if outer.is_empty() => inner.to_owned(),
        Some(inner) if inner.starts_with('[') => format!("{outer}{inner}"),
        Some(inner) => format!("{outer}.{inner}"),
    }
}

/// The same rendering as [`model::Error`]'s, so messages read alike whichever
/// layer refused the value.
fn with_field(message: &str, field: Option<&str>) -> String {
    match field {
        Some(field) => format!("{message} (field `{field}`)"),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_fields_are_stable() {
        assert_eq!(Error::InvalidSignature.code(), "invalid_signature");
        assert_eq!(Error::MissingHeader("X-Shopify-Topic").field().as_deref(), Some("X-Shopify-Topic"));
        assert_eq!(Error::UnsupportedTopic("carts/create".into()).code(), "unsupported_topic");
        let model = model::Error::new("invalid_sku", "bad").at("sku");
        let err = Error::from(model).at("line_items[0]");
        assert_eq!(err.code(), "invalid_sku");
        assert_eq!(err.field().as_deref(), Some("line_items[0].sku"));
    }

    #[test]
    fn batch_prefix_has_no_dot_before_an_index() {
        let err = Error::payload("lines[0].quantity", "bad").at("[3]");
        assert_eq!(err.field().as_deref(), Some("[3].lines[0].quantity"));
        let err = Error::InvalidPayload {
            field: None,
            message: "bad".into(),
        }
        .at("[1]");
        assert_eq!(err.field().as_deref(), Some("[1]"));
        assert_eq!(err.to_string(), "bad (field `[1]`)");
    }
}
