//! A script the app ran: how it failed, and the exception it threw.

use serde::{Deserialize, Serialize};

/// How a script failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScriptFailure {
    /// It threw (or did not compile).
    Threw(ScriptException),
    /// It could not run, or its result could not come back (the frame is gone, the result is
    /// too large): why.
    Failed(String),
}

impl std::fmt::Display for ScriptFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScriptFailure::Threw(e) => write!(f, "{e}"),
            ScriptFailure::Failed(why) => f.write_str(why),
        }
    }
}

/// A JavaScript exception, as the engine reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptException {
    /// The exception's class name (`TypeError`; empty for a thrown value that is no error).
    pub name: String,
    /// Its message (for a thrown value that is no error: the value as text).
    pub message: String,
    /// The line it was thrown at, from 0.
    pub line: u32,
    /// The column, from 0.
    pub column: u32,
    /// The script's source URI (the document's for a script the app ran).
    pub source_uri: String,
    /// The stack, as the engine writes it (may be empty).
    pub stack: String,
}

impl std::fmt::Display for ScriptException {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: ", self.source_uri, self.line + 1, self.column + 1)?;
        match self.name.is_empty() {
            true => f.write_str(&self.message),
            false => write!(f, "{}: {}", self.name, self.message),
        }
    }
}
