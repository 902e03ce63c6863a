//! Decompression one chunk ahead, on a helper thread.
//!
//! A compressed capture costs its decompression plus its parsing; [`Prefetch`] runs the
//! decoder on its own thread, so reading goes at the rate of the slower of the two on a
//! machine with a spare core. The thread fills chunks of [`CHUNK`] bytes and hands them
//! over a bounded channel (at most [`AHEAD`] in flight, buffers recycled), so memory stays
//! bounded. Bytes come out in order and unchanged: every byte the decoder produced before
//! an error is delivered before that error, so a damaged file loses nothing the direct
//! decoder would have given.

use std::io::{self, Read};

use crossbeam::channel::{bounded, Receiver, Sender, TryRecvError};

/// Bytes per chunk.
const CHUNK: usize = 1 << 20;
/// Chunks decoded ahead of the reader.
const AHEAD: usize = 2;

/// What the thread sends: a chunk (never empty), the end, or the decoder's error.
enum Msg {
    Data(Vec<u8>),
    End,
    Fail(io::Error),
}

/// A [`Read`] over a decoder running on a helper thread (see the module docs).
pub(super) struct Prefetch {
    rx: Receiver<Msg>,
    /// Spent buffers go back to the thread.
    spent: Sender<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
    ended: bool,
}

impl Prefetch {
    /// Starts the thread over `src`; gives `src` back when no thread can be started.
    pub(super) fn spawn(src: Box<dyn Read + Send>) -> Result<Prefetch, Box<dyn Read + Send>> {
        let (tx, rx) = bounded::<Msg>(AHEAD);
        let (spent, recycled) = bounded::<Vec<u8>>(AHEAD + 2);
        // The source moves into the thread through this slot, so that it can be handed
        // back if the thread does not start.
        let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(src)));
        let theirs = std::sync::Arc::clone(&slot);
        let started = std::thread::Builder::new()
            .name("scap-decode".into())
            .spawn(move || {
                let src = theirs.lock().ok().and_then(|mut s| s.take());
                if let Some(src) = src {
                    pump(src, &tx, &recycled);
                }
            });
        match started {
            Ok(_) => Ok(Prefetch {
                rx,
                spent,
                cur: Vec::new(),
                pos: 0,
                ended: false,
            }),
            // The closure never ran and is dropped: the source is back in the slot.
            Err(_) => match slot.lock().ok().and_then(|mut s| s.take()) {
                Some(src) => Err(src),
                None => Err(Box::new(Gone)),
            },
        }
    }
}

/// A source that was lost (cannot happen: see [`Prefetch::spawn`]); reads fail.
struct Gone;

impl Read for Gone {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("the capture stream was lost"))
    }
}

/// The thread: decodes chunk after chunk until the end, an error, or the reader is gone.
fn pump(mut src: Box<dyn Read + Send>, tx: &Sender<Msg>, recycled: &Receiver<Vec<u8>>) {
    loop {
        let mut buf = match recycled.try_recv() {
            Ok(b) => b,
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => Vec::with_capacity(CHUNK),
        };
        buf.clear();
        // Fill up to CHUNK bytes; keep what was read before an error.
        let mut failed = None;
        while buf.len() < CHUNK {
            let want = (CHUNK - buf.len()) as u64;
            match src.by_ref().take(want).read_to_end(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let end = buf.len() < CHUNK;
        if !buf.is_empty() && tx.send(Msg::Data(buf)).is_err() {
            return;
        }
        if let Some(e) = failed {
            let _ = tx.send(Msg::Fail(e));
            return;
        }
        if end {
            let _ = tx.send(Msg::End);
            return;
        }
    }
}

impl Read for Prefetch {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(rest) = self.cur.get(self.pos..).filter(|r| !r.is_empty()) {
                let n = rest.len().min(out.len());
                out[..n].copy_from_slice(&rest[..n]);
                self.pos += n;
                return Ok(n);
            }
            if self.ended || out.is_empty() {
                return Ok(0);
            }
            let spent = std::mem::take(&mut self.cur);
            if spent.capacity() > 0 {
                let _ = self.spent.try_send(spent);
            }
            self.pos = 0;
            match self.rx.recv() {
                Ok(Msg::Data(b)) => self.cur = b,
                Ok(Msg::End) => self.ended = true,
                Ok(Msg::Fail(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                Err(_) => {
                    self.ended = true;
                    return Err(io::Error::other("the decompression thread stopped"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gives `data` in odd-sized pieces, then fails.
    struct Flaky {
        data: Vec<u8>,
        at: usize,
    }
    impl Read for Flaky {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.at >= self.data.len() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt"));
            }
            let n = out.len().min(4093).min(self.data.len() - self.at);
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn bytes_come_out_in_order_then_the_end() {
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 12345] {
            let data = pattern(n);
            let Ok(mut p) = Prefetch::spawn(Box::new(io::Cursor::new(data.clone()))) else {
                panic!("no thread");
            };
            let mut got = Vec::new();
            p.read_to_end(&mut got).unwrap();
            assert_eq!(got.len(), n);
            assert!(got == data, "bytes differ at length {n}");
            assert_eq!(p.read(&mut [0u8; 8]).unwrap(), 0);
        }
    }

    #[test]
    fn every_byte_before_an_error_is_delivered_first() {
        let n = 2 * CHUNK + 777;
        let data = pattern(n);
        let src = Flaky {
            data: data.clone(),
            at: 0,
        };
        let Ok(mut p) = Prefetch::spawn(Box::new(src)) else {
            panic!("no thread");
        };
        let mut got = Vec::new();
        let mut buf = vec![0u8; 100_000];
        let err = loop {
            match p.read(&mut buf) {
                Ok(0) => panic!("end without the error"),
                Ok(k) => got.extend_from_slice(&buf[..k]),
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(got == data, "{} of {n} bytes before the error", got.len());
    }

    #[test]
    fn dropping_the_reader_stops_the_thread() {
        // An endless source: the thread must notice the reader is gone and return.
        let (tx, rx) = std::sync::mpsc::channel();
        struct Endless(std::sync::mpsc::Sender<()>);
        impl Read for Endless {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                out.fill(1);
                Ok(out.len())
            }
        }
        impl Drop for Endless {
            fn drop(&mut self) {
                let _ = self.0.send(());
            }
        }
        let Ok(mut p) = Prefetch::spawn(Box::new(Endless(tx))) else {
            panic!("no thread");
        };
        let mut b = [0u8; 10];
        assert_eq!(p.read(&mut b).unwrap(), 10);
        drop(p);
        rx.recv_timeout(std::time::Duration::from_secs(30))
            .expect("the thread dropped its source");
    }
}
