/// Everything the store can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("event {index}: order `{reference}` is not known for tenant `{tenant}`")]
    UnknownOrder { index: usize, tenant: String, reference: String },
    #[error("event {index}: order reference `{reference}` matches {candidates} orders; use crossdock's order id")]
    AmbiguousOrder {
        index: usize,
        reference: String,
        candidates: usize,
    },
    #[error("idempotency key `{0}` was already used with a different request body")]
    IdempotencyConflict(String),
    #[error("line {index}: SKU `{sku}` is not known for tenant `{tenant}`")]
    UnknownSku { index: usize, sku: String, tenant: String },
    #[error("not enough stock for {} SKU(s)", .0.len())]
    InsufficientStock(Vec<model::inventory::Shortfall>),
    #[error("no discrepancy {0}")]
    UnknownDiscrepancy(u64),
    #[error("discrepancy {0} is already {1}")]
    DiscrepancyResolved(u64, String),
    #[error("no action {0}")]
    UnknownAction(u64),
    #[error("action {0} is already {1}")]
    ActionDecided(u64, String),
    #[error("no active reservation `{0}`")]
    UnknownReservation(String),
    #[error("invalid cursor `{0}`")]
    InvalidCursor(String),
    #[error("{0}")]
    Invalid(String),
    #[error(
        "the data directory was written by a newer crossdock (format {found}); this build reads format {supported} and older. Upgrade crossdock or point it at another directory."
    )]
    FormatTooNew { found: i64, supported: i64 },
    #[error(
        "the data directory has format {found}, older than the oldest this build migrates ({oldest}). Run an intermediate release first."
    )]
    FormatTooOld { found: i64, oldest: i64 },
    #[error("the data directory is corrupt: {0}")]
    Corrupt(String),
    #[error("the store is shutting down")]
    Closed,
    #[error("storage failure: {0}")]
    Storage(String),
    #[error("I/O failure: {0}")]
    Io(String),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Storage(e.to_string())
    }
}
