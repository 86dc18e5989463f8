//! The one error type of the `engine` crate.

/// Why the engine refused its input. Each variant names the field at fault so
/// the server can answer `{code, message, field}` without guessing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Input a decision cannot be made on as given: a sourcing instance, a
    /// shipment request, a risk training file, a release plan's orders.
    #[error("{message} (field `{field}`)")]
    Invalid {
        /// Path of the offending field, e.g. `nodes[2].stock.A`.
        field: String,
        /// What is wrong, in plain words.
        message: String,
    },
}

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Stable machine-readable code for the API's error table.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "invalid_input",
        }
    }

    /// The field at fault, as a path relative to the request body.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
        }
    }
}
