//! Composition: configuration → rules → capture readers → engine → sinks → reports.

use crate::flags::{exit, Flags};

/// Run one invocation; returns the process exit code.
pub(crate) fn run(flags: Flags) -> u8 {
    let _ = (&flags, exit::OK, exit::USAGE, exit::ALERT);
    eprintln!("replay: evaluation is being integrated (scap reader, rules, state pending)");
    exit::ERROR
}
