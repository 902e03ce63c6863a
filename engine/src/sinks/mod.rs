//! Alert output channels ("sinks"), named and configured as in falco.yaml.
//!
//! The rule engine formats an alert once (Falco's text line, or Falco's JSON alert object
//! when `json_output` is on) and hands the same [`Alert`] to every enabled channel through
//! [`Sinks::emit`]:
//!
//! | channel | type | falco.yaml key |
//! |---|---|---|
//! | standard output | [`StdoutSink`] | `stdout_output` |
//! | a file, one line per alert | [`FileSink`] | `file_output` |
//! | a program fed on stdin | [`ProgramSink`] | `program_output` |
//! | HTTP POST (falcosidekick) | [`HttpSink`] | `http_output` |
//! | syslog datagrams (RFC 3164) | [`SyslogSink`] | `syslog_output` |
//!
//! A failing channel never stops evaluation: [`Sinks::emit`] counts each channel's
//! failures, keeps the first error message, and goes on. [`Sinks::report`] gives the
//! per-channel delivered/failed counts for the end-of-run summary.

mod file;
mod http;
mod program;
mod stdout;
mod syslog;

pub use file::FileSink;
pub use http::{HttpSink, HttpUrl};
pub use program::ProgramSink;
pub use stdout::StdoutSink;
pub use syslog::SyslogSink;

use std::fmt;

/// One formatted alert, as every channel receives it.
#[derive(Debug, Clone, Copy)]
pub struct Alert<'a> {
    /// Falco's priority number, which is also the syslog severity:
    /// 0 Emergency, 1 Alert, 2 Critical, 3 Error, 4 Warning, 5 Notice, 6 Informational,
    /// 7 Debug.
    pub level: u8,
    /// Name of the rule that fired.
    pub rule: &'a str,
    /// The formatted alert without a trailing newline: Falco's text line, or its JSON
    /// alert object when `json` is set.
    pub line: &'a str,
    /// `line` is a JSON object (`json_output: true`).
    pub json: bool,
}

/// Why one delivery to one channel failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// An I/O error talking to the receiver (open, write, connect, send).
    #[error("{what}: {source}")]
    Io {
        /// What was being done, e.g. `open /var/log/alerts.txt`.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The receiver answered but refused the alert (HTTP status, program exit status).
    #[error("{0}")]
    Rejected(String),
    /// The channel is misconfigured (bad URL, empty program...).
    #[error("{0}")]
    Config(String),
}

impl SinkError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        SinkError::Io {
            what: what.into(),
            source,
        }
    }
}

/// An alert output channel.
pub trait AlertSink: Send {
    /// Channel name as in falco.yaml without `_output` (`stdout`, `file`, `program`,
    /// `http`, `syslog`).
    fn name(&self) -> &'static str;
    /// Deliver one alert. An error is counted by [`Sinks`]; the next alert is tried anew.
    fn send(&mut self, alert: &Alert<'_>) -> Result<(), SinkError>;
    /// Close and reopen underlying resources (Falco does this on SIGUSR1 for files).
    fn reopen(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
    /// Flush and release resources at the end of the run (wait for a kept-alive program).
    fn close(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Delivery counts of one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SinkStats {
    /// Channel name.
    pub name: &'static str,
    /// Alerts delivered.
    pub delivered: u64,
    /// Alerts whose delivery failed.
    pub failed: u64,
    /// The first failure, for the report.
    pub first_error: Option<String>,
}

impl fmt::Display for SinkStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}_output: {} delivered, {} failed",
            self.name, self.delivered, self.failed
        )?;
        if let Some(e) = &self.first_error {
            write!(f, " (first error: {e})")?;
        }
        Ok(())
    }
}

/// The set of enabled channels, with per-channel counters.
#[derive(Default)]
pub struct Sinks {
    sinks: Vec<(Box<dyn AlertSink>, SinkStats)>,
}

impl fmt::Debug for Sinks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.sinks.iter().map(|(_, s)| s))
            .finish()
    }
}

impl Sinks {
    /// No channel.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a channel; alerts go to channels in the order they were added.
    pub fn push(&mut self, sink: Box<dyn AlertSink>) {
        let stats = SinkStats {
            name: sink.name(),
            ..SinkStats::default()
        };
        self.sinks.push((sink, stats));
    }

    /// Number of channels.
    pub fn len(&self) -> usize {
        self.sinks.len()
    }

    /// No channel at all.
    pub fn is_empty(&self) -> bool {
        self.sinks.is_empty()
    }

    /// Deliver `alert` to every channel; failures are counted, never propagated.
    pub fn emit(&mut self, alert: &Alert<'_>) {
        for (sink, stats) in &mut self.sinks {
            match sink.send(alert) {
                Ok(()) => stats.delivered += 1,
                Err(e) => {
                    stats.failed += 1;
                    if stats.first_error.is_none() {
                        stats.first_error = Some(e.to_string());
                    }
                }
            }
        }
    }

    /// Reopen every channel (files are reopened, kept-alive programs restarted lazily).
    pub fn reopen(&mut self) {
        for (sink, stats) in &mut self.sinks {
            if let Err(e) = sink.reopen() {
                stats.failed += 1;
                stats.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }

    /// Close every channel (a close failure, e.g. a kept-alive program exiting non-zero,
    /// counts as one failure) and return the per-channel counts.
    pub fn close(&mut self) -> Vec<SinkStats> {
        for (sink, stats) in &mut self.sinks {
            if let Err(e) = sink.close() {
                stats.failed += 1;
                stats.first_error.get_or_insert_with(|| e.to_string());
            }
        }
        self.report()
    }

    /// Per-channel counts so far.
    pub fn report(&self) -> Vec<SinkStats> {
        self.sinks.iter().map(|(_, s)| s.clone()).collect()
    }

    /// Total failed deliveries across channels.
    pub fn failures(&self) -> u64 {
        self.sinks.iter().map(|(_, s)| s.failed).sum()
    }
}
