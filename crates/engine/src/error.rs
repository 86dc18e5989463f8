//! The one error type of the `engine` crate.

/// Why the engine refused its input. Each variant names the field at fault so
/// the server can answer `{code, message, field}` without guessing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A sourcing instance that cannot be planned as given.
    #[error("{message} (field `{field}`)")]
    InvalidInstance {
        /// Path of the offending field, e.g. `nodes[2].stock.A`.
        field: String,
        /// What is wrong, in plain words.
        message: String,
    },
}

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInstance {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Stable machine-readable code for the API's error table.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInstance { .. } => "invalid_sourcing_instance",
        }
    }

    /// The field at fault, as a path relative to the request body.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidInstance { field, .. } => Some(field),
        }
    }
}
