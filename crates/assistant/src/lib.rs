//! The copilot's embedded engine: understanding a question (intent and
//! slots, resolved against the data) without a model or the network; policy
//! retrieval; and the optional model backend with the check that keeps it
//! grounded.

pub mod error;
pub mod grounding;
pub mod lexicon;
pub mod llm;
pub mod period;
pub mod retrieval;
pub mod seed;
pub mod text;
pub mod understand;

pub use error::Error;
pub use lexicon::Lexicon;
pub use understand::{Intent, Slots, Understanding, understand};
