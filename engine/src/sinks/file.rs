//! `file_output`: append one line per alert to a file.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{Alert, AlertSink, SinkError};

/// Appends each alert as one line to `filename`.
///
/// With `keep_alive` the file is opened once (at the first alert) and kept open; otherwise
/// it is opened, appended to and closed for every alert, as Falco does. [`reopen`] closes
/// the kept file so the next alert opens it again (log rotation; Falco's SIGUSR1).
///
/// [`reopen`]: AlertSink::reopen
#[derive(Debug)]
pub struct FileSink {
    path: PathBuf,
    keep_alive: bool,
    file: Option<BufWriter<File>>,
}

impl FileSink {
    /// A file channel; nothing is opened until the first alert.
    pub fn new(path: impl AsRef<Path>, keep_alive: bool) -> Self {
        Self {
            path: path.as_ref().to_path_buf(),
            keep_alive,
            file: None,
        }
    }

    fn open(&self) -> Result<BufWriter<File>, SinkError> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map(BufWriter::new)
            .map_err(|e| SinkError::io(format!("open {}", self.path.display()), e))
    }
}

impl AlertSink for FileSink {
    fn name(&self) -> &'static str {
        "file"
    }

    fn send(&mut self, alert: &Alert<'_>) -> Result<(), SinkError> {
        let mut f = match self.file.take() {
            Some(f) => f,
            None => self.open()?,
        };
        let r = f
            .write_all(alert.line.as_bytes())
            .and_then(|()| f.write_all(b"\n"))
            .and_then(|()| f.flush());
        match r {
            Ok(()) => {
                if self.keep_alive {
                    self.file = Some(f);
                }
                Ok(())
            }
            // Drop the handle: the next alert reopens the file.
            Err(e) => Err(SinkError::io(format!("write {}", self.path.display()), e)),
        }
    }

    fn reopen(&mut self) -> Result<(), SinkError> {
        if let Some(mut f) = self.file.take() {
            f.flush()
                .map_err(|e| SinkError::io(format!("flush {}", self.path.display()), e))?;
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(), SinkError> {
        self.reopen()
    }
}
