//! `program_output`: pipe each alert to a command run by `sh -c`.

use std::io::Write;
use std::process::{Child, ChildStdin, Command, Stdio};

use super::{Alert, AlertSink, SinkError};

/// Feeds alerts, one line each, to the standard input of `sh -c PROGRAM`.
///
/// * `keep_alive: true`: one long-running process receives every alert line by line; if it
///   dies, the failed alert is counted and the next alert starts a new process.
/// * `keep_alive: false`: one run per alert (the line, then end of input); a non-zero exit
///   status counts as a failure.
#[derive(Debug)]
pub struct ProgramSink {
    program: String,
    keep_alive: bool,
    child: Option<(Child, ChildStdin)>,
}

impl ProgramSink {
    /// A program channel; nothing is started until the first alert.
    pub fn new(program: impl Into<String>, keep_alive: bool) -> Result<Self, SinkError> {
        let program = program.into();
        if program.trim().is_empty() {
            return Err(SinkError::Config(
                "program_output.program is empty".to_string(),
            ));
        }
        Ok(Self {
            program,
            keep_alive,
            child: None,
        })
    }

    fn spawn(&self) -> Result<(Child, ChildStdin), SinkError> {
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(&self.program)
            .stdin(Stdio::piped())
            .spawn()
            .map_err(|e| SinkError::io(format!("start `{}`", self.program), e))?;
        match child.stdin.take() {
            Some(stdin) => Ok((child, stdin)),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(SinkError::Config(format!(
                    "`{}`: no stdin pipe",
                    self.program
                )))
            }
        }
    }

    fn wait(&self, mut child: Child) -> Result<(), SinkError> {
        let status = child
            .wait()
            .map_err(|e| SinkError::io(format!("wait for `{}`", self.program), e))?;
        if status.success() {
            Ok(())
        } else {
            Err(SinkError::Rejected(format!(
                "`{}` exited with {status}",
                self.program
            )))
        }
    }
}

fn write_line(stdin: &mut ChildStdin, line: &str) -> std::io::Result<()> {
    stdin.write_all(line.as_bytes())?;
    stdin.write_all(b"\n")?;
    stdin.flush()
}

impl AlertSink for ProgramSink {
    fn name(&self) -> &'static str {
        "program"
    }

    fn send(&mut self, alert: &Alert<'_>) -> Result<(), SinkError> {
        if !self.keep_alive {
            let (child, mut stdin) = self.spawn()?;
            let w = write_line(&mut stdin, alert.line);
            drop(stdin); // end of input: the program finishes
            let waited = self.wait(child);
            w.map_err(|e| SinkError::io(format!("write to `{}`", self.program), e))?;
            return waited;
        }
        let (mut child, mut stdin) = match self.child.take() {
            Some(c) => c,
            None => self.spawn()?,
        };
        match write_line(&mut stdin, alert.line) {
            Ok(()) => {
                self.child = Some((child, stdin));
                Ok(())
            }
            Err(e) => {
                // The process is gone (EPIPE) or stuck: reap it; the next alert restarts it.
                drop(stdin);
                let _ = child.kill();
                let _ = child.wait();
                Err(SinkError::io(format!("write to `{}`", self.program), e))
            }
        }
    }

    fn reopen(&mut self) -> Result<(), SinkError> {
        self.close()
    }

    fn close(&mut self) -> Result<(), SinkError> {
        match self.child.take() {
            Some((child, stdin)) => {
                drop(stdin);
                self.wait(child)
            }
            None => Ok(()),
        }
    }
}

impl Drop for ProgramSink {
    fn drop(&mut self) {
        let _ = self.close();
    }
}
