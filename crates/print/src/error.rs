/// Why a document could not be produced, with the field at fault.
///
/// `field` is the dotted path of the offending value relative to the document
/// being printed (`rma`, `lines[3].quantity`), so the server can return it as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A value the document cannot do without is empty or blank.
    #[error("`{field}` is empty; a {document} needs it.")]
    Missing { field: String, document: &'static str },
    /// A character that a Code 128 barcode (code sets B and C) cannot carry.
    #[error("`{field}` has {found:?} at character {index}; a Code 128 barcode carries printable ASCII only (space to `~`).")]
    NotBarcodable { field: String, index: usize, found: char },
    /// The barcode would not fit on the label with modules of at least 1 pt.
    #[error(
        "`{field}` is too long for the label's Code 128 barcode: it needs {modules} modules (quiet zones included) of at least 1 pt, \
         the label has room for {max}."
    )]
    BarcodeTooLong { field: String, modules: usize, max: usize },
    /// The QR code encoder refused the value.
    #[error("`{field}` cannot be put in a QR code: {reason}.")]
    Qr { field: String, reason: String },
    /// A line quantity that is zero or negative.
    #[error("`{field}` is {quantity}; a quantity must be a positive whole number.")]
    Quantity { field: String, quantity: i64 },
    /// A date that is not a calendar date written `YYYY-MM-DD`.
    #[error("`{field}` is `{value}`, not a date written YYYY-MM-DD.")]
    Date { field: String, value: String },
}

impl Error {
    /// Dotted path of the offending field, e.g. `lines[3].quantity`.
    pub fn field(&self) -> &str {
        match self {
            Error::Missing { field, .. }
            | Error::NotBarcodable { field, .. }
            | Error::BarcodeTooLong { field, .. }
            | Error::Qr { field, .. }
            | Error::Quantity { field, .. }
            | Error::Date { field, .. } => field,
        }
    }

    /// Stable machine-readable code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Missing { .. } => "missing_field",
            Error::NotBarcodable { .. } => "not_barcodable",
            Error::BarcodeTooLong { .. } => "barcode_too_long",
            Error::Qr { .. } => "qr_code_failed",
            Error::Quantity { .. } => "invalid_quantity",
            Error::Date { .. } => "invalid_date",
        }
    }
}
