//! `http_output`: POST each alert to a URL (falcosidekick's `/` endpoint accepts Falco's
//! JSON alert object as the body).
//!
//! A minimal HTTP/1.1 client over `std::net::TcpStream`: one connection per alert
//! (`Connection: close`), `Content-Length` body, connect/read/write timeouts, success on a
//! 2xx status. Only `http://` is supported; `https://` is refused at configuration time
//! (no TLS stack is linked).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::{Alert, AlertSink, SinkError};

/// A parsed `http://host[:port][/path]` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    /// Host name or address (IPv6 without the brackets).
    pub host: String,
    /// TCP port (80 by default).
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl HttpUrl {
    /// Parse an `http://` URL.
    pub fn parse(url: &str) -> Result<Self, SinkError> {
        let bad = |why: &str| SinkError::Config(format!("http_output.url `{url}`: {why}"));
        let Some(rest) = url.strip_prefix("http://") else {
            if url.starts_with("https://") {
                return Err(bad("https is not supported (no TLS); use http://"));
            }
            return Err(bad("expected http://host[:port]/path"));
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        if authority.contains('@') {
            return Err(bad("user info in the URL is not supported"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, tail) = v6.split_once(']').ok_or_else(|| bad("unclosed `[`"))?;
            (h, tail.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("empty host"));
        }
        let port = match port {
            None | Some("") => 80,
            Some(p) => p.parse().map_err(|_| bad("bad port"))?,
        };
        Ok(Self {
            host: host.to_string(),
            port,
            path,
        })
    }

    fn host_header(&self) -> String {
        let h = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            h
        } else {
            format!("{h}:{}", self.port)
        }
    }
}

/// POSTs each alert to a URL.
#[derive(Debug)]
pub struct HttpSink {
    url: HttpUrl,
    user_agent: String,
    timeout: Duration,
    request: Vec<u8>,
}

impl HttpSink {
    /// An HTTP channel. `timeout` bounds connect, write and read (falco.yaml
    /// `output_timeout`, 2000 ms by default).
    pub fn new(url: &str, user_agent: &str, timeout: Duration) -> Result<Self, SinkError> {
        Ok(Self {
            url: HttpUrl::parse(url)?,
            user_agent: user_agent.to_string(),
            timeout,
            request: Vec::with_capacity(4096),
        })
    }

    fn post(&mut self, alert: &Alert<'_>) -> Result<u16, SinkError> {
        let what = |s: &str| format!("{s} http://{}{}", self.url.host_header(), self.url.path);
        let addrs = (self.url.host.as_str(), self.url.port)
            .to_socket_addrs()
            .map_err(|e| SinkError::io(what("resolve"), e))?;
        let mut last = None;
        let mut stream = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, self.timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let stream = match (stream, last) {
            (Some(s), _) => s,
            (None, Some(e)) => return Err(SinkError::io(what("connect"), e)),
            (None, None) => {
                return Err(SinkError::Config(what("no address for")));
            }
        };
        let io = |e| SinkError::io(what("POST"), e);
        stream.set_write_timeout(Some(self.timeout)).map_err(io)?;
        stream.set_read_timeout(Some(self.timeout)).map_err(io)?;
        let ctype = if alert.json {
            "application/json"
        } else {
            "text/plain"
        };
        self.request.clear();
        // Writing into a Vec cannot fail.
        let _ = write!(
            self.request,
            "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nContent-Type: {}\r\n\
             Content-Length: {}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            self.url.path,
            self.url.host_header(),
            self.user_agent,
            ctype,
            alert.line.len()
        );
        self.request.extend_from_slice(alert.line.as_bytes());
        (&stream).write_all(&self.request).map_err(io)?;
        let mut status = String::new();
        BufReader::new(&stream).read_line(&mut status).map_err(io)?;
        // "HTTP/1.1 200 OK"
        let code = status
            .split_ascii_whitespace()
            .nth(1)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| {
                SinkError::Rejected(format!(
                    "{}: bad status line {:?}",
                    what("POST"),
                    status.trim_end()
                ))
            })?;
        Ok(code)
    }
}

impl AlertSink for HttpSink {
    fn name(&self) -> &'static str {
        "http"
    }

    fn send(&mut self, alert: &Alert<'_>) -> Result<(), SinkError> {
        let code = self.post(alert)?;
        if (200..300).contains(&code) {
            Ok(())
        } else {
            Err(SinkError::Rejected(format!(
                "POST http://{}{}: HTTP status {code}",
                self.url.host_header(),
                self.url.path
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let u = HttpUrl::parse("http://127.0.0.1:2801/").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("127.0.0.1", 2801, "/")
        );
        let u = HttpUrl::parse("http://sidekick").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("sidekick", 80, "/")
        );
        let u = HttpUrl::parse("http://[::1]:8080/a/b?x=1").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("::1", 8080, "/a/b?x=1")
        );
        assert_eq!(u.host_header(), "[::1]:8080");
        assert!(HttpUrl::parse("https://x/").is_err());
        assert!(HttpUrl::parse("ftp://x/").is_err());
        assert!(HttpUrl::parse("http://:80/").is_err());
        assert!(HttpUrl::parse("http://x:99999/").is_err());
    }
}
