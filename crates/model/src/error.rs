use std::fmt;

/// A value that failed validation, with the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    /// Stable machine-readable code, e.g. `invalid_sku`.
    pub code: &'static str,
    pub message: String,
    /// Dotted path of the offending field relative to the value being parsed.
    pub field: Option<String>,
}

impl Error {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(match self.field.take() {
            Some(inner) if inner.starts_with('[') => format!("{}{inner}", field.into()),
            Some(inner) => format!("{}.{inner}", field.into()),
            None => field.into(),
        });
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} (field `{field}`)", self.message),
            None => f.write_str(&self.message),
        }
    }
}
