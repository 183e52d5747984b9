//! Running commands: cargo, and any other, said before it runs.

use std::process::Command;

/// What a task gives: nothing, or why it failed.
pub type Result = std::result::Result<(), String>;

/// Runs `cmd`, saying so first; fails unless it succeeds.
pub fn run(cmd: &mut Command) -> Result {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.status().map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed: {status}"))
    }
}

/// The cargo that runs this task.
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}
