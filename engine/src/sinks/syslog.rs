//! `syslog_output`: RFC 3164 datagrams to the local syslog socket.
//!
//! Each alert is one datagram `<PRI>Mmm dd hh:mm:ss TAG[PID]: MESSAGE` sent to a unix
//! datagram socket (`/dev/log` by default), as glibc's `syslog(3)` formats it for the local
//! socket. `PRI` = facility `user` (1) × 8 + the alert's Falco priority number (which is the
//! syslog severity), so a Warning alert is `<12>`. The timestamp is UTC. The message has no
//! trailing newline.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Alert, AlertSink, SinkError};

/// Facility `user`, as `syslog(3)` uses when `openlog` was not called.
const FACILITY_USER: u8 = 1;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Sends alerts as syslog datagrams.
#[derive(Debug)]
pub struct SyslogSink {
    socket_path: PathBuf,
    tag: String,
    pid: u32,
    socket: Option<UnixDatagram>,
    buf: String,
}

impl SyslogSink {
    /// The default local syslog socket.
    pub const DEFAULT_SOCKET: &'static str = "/dev/log";

    /// A syslog channel to `socket_path`, messages tagged `tag` (the program name).
    pub fn new(socket_path: impl AsRef<Path>, tag: &str) -> Self {
        Self {
            socket_path: socket_path.as_ref().to_path_buf(),
            tag: tag.to_string(),
            pid: std::process::id(),
            socket: None,
            buf: String::with_capacity(1024),
        }
    }

    /// The datagram for `alert` at `unix_secs` (exposed for tests).
    pub fn format(&self, alert: &Alert<'_>, unix_secs: u64) -> String {
        let mut s = String::new();
        format_into(&mut s, alert, unix_secs, &self.tag, self.pid);
        s
    }
}

fn format_into(out: &mut String, alert: &Alert<'_>, unix_secs: u64, tag: &str, pid: u32) {
    use std::fmt::Write;
    let pri = u32::from(FACILITY_USER) * 8 + u32::from(alert.level.min(7));
    let days = (unix_secs / 86_400) as i64;
    let sod = unix_secs % 86_400;
    let (_, month, day) = civil_from_days(days);
    let month = MONTHS
        .get((month as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("Jan");
    out.clear();
    let _ = write!(
        out,
        "<{pri}>{month} {day:>2} {:02}:{:02}:{:02} {tag}[{pid}]: {}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60,
        alert.line.trim_end_matches('\n')
    );
}

/// Days since 1970-01-01 → (year, month 1..=12, day 1..=31) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

impl AlertSink for SyslogSink {
    fn name(&self) -> &'static str {
        "syslog"
    }

    fn send(&mut self, alert: &Alert<'_>) -> Result<(), SinkError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut buf = std::mem::take(&mut self.buf);
        format_into(&mut buf, alert, now, &self.tag, self.pid);
        let sock = match self.socket.take() {
            Some(s) => s,
            None => UnixDatagram::unbound().map_err(|e| SinkError::io("syslog socket", e))?,
        };
        let r = sock.send_to(buf.as_bytes(), &self.socket_path);
        self.buf = buf;
        match r {
            Ok(_) => {
                self.socket = Some(sock);
                Ok(())
            }
            Err(e) => Err(SinkError::io(
                format!("send to {}", self.socket_path.display()),
                e,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3164_layout() {
        let s = SyslogSink::new("/nonexistent", "replay");
        let a = Alert {
            level: 4,
            rule: "r",
            line: "12:00:00.000000000: Warning hello",
            json: false,
        };
        // 2016-08-04T16:17:57Z
        let d = s.format(&a, 1_470_327_477);
        let want = format!(
            "<12>Aug  4 16:17:57 replay[{}]: 12:00:00.000000000: Warning hello",
            std::process::id()
        );
        assert_eq!(d, want);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
