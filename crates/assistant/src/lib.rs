//! The copilot's embedded engine: understanding a question (intent and
//! slots, resolved against the data) without a model or the network.

pub mod lexicon;
pub mod text;
pub mod understand;

pub use lexicon::Lexicon;
pub use understand::{Intent, Slots, Understanding, understand};
