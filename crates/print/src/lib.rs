//! crossdock's printed documents: return labels and packing slips as PDF.
//!
//! Pure functions from a document's contents to the bytes of a PDF file, with
//! no I/O: the server streams them (`GET /v1/returns/{rma}/label.pdf`) and the
//! outbox can attach them. The PDF writer, the Code 128 encoder and the
//! layout are our own and small; only the QR matrix comes from the `qrcode`
//! crate. Text uses the base-14 Helvetica fonts, which every viewer and
//! printer has, so nothing is embedded.

mod check;
mod code128;
mod error;
mod label;
mod layout;
mod pdf;
mod slip;
mod text;

pub use code128::code128;
pub use error::Error;
pub use label::{ReturnLabel, return_label};
pub use slip::{PackingSlip, SlipLine, packing_slip};
