//! `stdout_output`: one line per alert on standard output.

use std::io::{BufWriter, Stdout, Write};

use super::{Alert, AlertSink, SinkError};

/// Writes each alert as one line on stdout. With `buffered` (falco.yaml
/// `buffered_outputs: true`) lines are flushed only when the buffer fills and at close;
/// otherwise every alert is flushed at once, as Falco does by default.
#[derive(Debug)]
pub struct StdoutSink {
    out: BufWriter<Stdout>,
    buffered: bool,
}

impl StdoutSink {
    /// A stdout channel.
    pub fn new(buffered: bool) -> Self {
        Self {
            out: BufWriter::with_capacity(64 * 1024, std::io::stdout()),
            buffered,
        }
    }
}

impl AlertSink for StdoutSink {
    fn name(&self) -> &'static str {
        "stdout"
    }

    fn send(&mut self, alert: &Alert<'_>) -> Result<(), SinkError> {
        let r = self
            .out
            .write_all(alert.line.as_bytes())
            .and_then(|()| self.out.write_all(b"\n"))
            .and_then(|()| {
                if self.buffered {
                    Ok(())
                } else {
                    self.out.flush()
                }
            });
        r.map_err(|e| SinkError::io("write stdout", e))
    }

    fn close(&mut self) -> Result<(), SinkError> {
        self.out
            .flush()
            .map_err(|e| SinkError::io("flush stdout", e))
    }
}
