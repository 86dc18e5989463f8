//! The one error type of the `assistant` crate.

use std::path::PathBuf;
use std::time::Duration;

/// What the assistant refuses or fails at: loading the policy library (at
/// startup, naming the folder or file at fault) and talking to the optional
/// model endpoint (naming the `[service_desk.llm]` key or the endpoint).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configured policy folder is not there (or is a file).
    #[error("policy folder `{}` does not exist or is not a folder", path.display())]
    MissingFolder { path: PathBuf },
    /// The policy folder exists but cannot be listed.
    #[error("policy folder `{}` cannot be listed: {reason}", path.display())]
    UnreadableFolder { path: PathBuf, reason: std::io::Error },
    /// A policy document cannot be read.
    #[error("policy document `{}` cannot be read: {reason}", path.display())]
    UnreadableFile { path: PathBuf, reason: std::io::Error },
    /// A policy document is not UTF-8 text.
    #[error("policy document `{}` is not UTF-8 text (invalid byte on line {line}); save it as UTF-8", path.display())]
    NotUtf8 { path: PathBuf, line: usize },
    /// The folder holds no `.md` file with any text, which is almost always a
    /// misconfigured path.
    #[error("policy folder `{}` holds no `.md` documents with text", path.display())]
    NoDocuments { path: PathBuf },

    /// A configuration value is invalid; `field` is its key under `[llm]`.
    #[error("llm.{field}: {message}")]
    Config { field: &'static str, message: String },
    /// The endpoint did not answer within the configured timeout.
    #[error("the model endpoint {url} did not answer within {} ms (llm.timeout)", after.as_millis())]
    Timeout { url: String, after: Duration },
    /// The endpoint could not be reached (connection refused, unknown host).
    #[error("cannot connect to the model endpoint {url}: {message}")]
    Connect { url: String, message: String },
    /// Any other transport failure (the connection dropped mid-reply).
    #[error("the request to the model endpoint {url} failed: {message}")]
    Transport { url: String, message: String },
    /// The endpoint answered with a non-2xx status; `body` is its first 200 characters.
    #[error("the model endpoint answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    /// The reply is not JSON, or not the shape of a chat completion; `path`
    /// is where it went wrong (`$` for the body as a whole).
    #[error("the model endpoint's reply is malformed at `{path}`: {message}")]
    Malformed { path: String, message: String },
    /// The reply has no choices (`detail` is the endpoint's error message, if it sent one).
    #[error("the model endpoint's reply has no choices{}", if detail.is_empty() { String::new() } else { format!(": {detail}") })]
    NoChoices { detail: String },
    /// The model called a tool with arguments that are not JSON.
    #[error("the model called `{tool}` with arguments that are not JSON ({message}): {arguments}")]
    ToolArguments { tool: String, message: String, arguments: String },
    /// The model still asked for tools after the last round it was allowed.
    #[error("the model still asked for tools after {rounds} rounds (llm.max_tool_rounds)")]
    ToolRounds { rounds: u8 },
}

impl Error {
    /// Stable machine-readable code for the server's error table.
    pub fn code(&self) -> &'static str {
        match self {
            Error::MissingFolder { .. } => "policy_folder_missing",
            Error::UnreadableFolder { .. } => "policy_folder_unreadable",
            Error::UnreadableFile { .. } => "policy_document_unreadable",
            Error::NotUtf8 { .. } => "policy_document_not_utf8",
            Error::NoDocuments { .. } => "policy_folder_empty",
            Error::Config { .. } => "llm_config_invalid",
            Error::Timeout { .. } => "llm_timeout",
            Error::Connect { .. } => "llm_unreachable",
            Error::Transport { .. } => "llm_transport",
            Error::Status { .. } => "llm_status",
            Error::Malformed { .. } => "llm_malformed_reply",
            Error::NoChoices { .. } => "llm_no_choices",
            Error::ToolArguments { .. } => "llm_tool_arguments",
            Error::ToolRounds { .. } => "llm_tool_rounds",
        }
    }
}
