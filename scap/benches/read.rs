//! Rerunnable read benchmark: `cargo bench -p scap --bench read [-- EVENTS]`
//! (or `scripts/bench-scap.sh`).
//!
//! 1. Generates a realistic capture of EVENTS events (default 1 M): 64 threads in four
//!    roles, each running its syscall script as E/X pairs: web workers (accept4, read the
//!    request, openat/read the file, write the response and an access-log line, close),
//!    database backends (recvfrom a query, futex, openat/read a data page, sendto), cron
//!    (clone, execve of a command, openat/mmap/close of its libraries, procexit) and a
//!    python app (stat as a generic event, openat/read a config, sendto/recvfrom redis),
//!    with server-sized working sets (3000 URLs, 1000 clients, 400 data pages), plausible
//!    paths, tuples and 80-byte payloads, µs-scale timestamps with ns
//!    jitter; written by our writer as plain and as zstd.
//! 2. Reads each file with `CaptureReader` and decodes every parameter of every event
//!    into its typed `Param` and folds it into a checksum (`use_value`), reporting
//!    events/s (best of 3). Decoding goes through `EventRef::for_each_param`, the public
//!    visitor that consumers of all values use (`scap::text`, `scap cat`): it calls the
//!    consumer from inside the per-type dispatch, so with the consumer inlined
//!    (`#[inline(always)]` on the closure) its match on the variant folds away. The
//!    iterator `EventRef::params` decodes the same values (the fuzz targets check that
//!    both agree) at a little over half the visitor's rate.
//! 3. Runs `sysdig -r FILE evt.num=0` on the same plain file (and on sysdig's own gzip of
//!    it) in the same run, and reports its events/s.
//! 4. Prints file sizes: plain, our zstd, sysdig's gzip (`sysdig -r plain -z -w out`).
//!
//! Targets (issue 2): read+decode >= 10x sysdig's rate; our zstd <= half sysdig's gzip.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use scap::event::{EventBuilder, Param};
use scap::file::{
    CaptureReader, CaptureWriter, Compression, FdEntry, FdInfo, MachineInfo, ProcEntry, Record,
    WriterOptions,
};
use scap_abi::event::ids;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const URLS: &[&str] = &[
    "/",
    "/index.html",
    "/about",
    "/login",
    "/api/v1/users",
    "/api/v1/orders",
    "/static/app.js",
    "/static/style.css",
    "/img/logo.png",
    "/favicon.ico",
    "/api/v1/health",
    "/docs/intro",
    "/search?q=linux",
    "/cart",
    "/checkout",
    "/api/v1/items/42",
];
const QUERIES: &[&str] = &[
    "SELECT id, name FROM users WHERE id = $1",
    "SELECT * FROM orders WHERE user_id = $1 ORDER BY created DESC LIMIT 20",
    "UPDATE sessions SET last_seen = now() WHERE token = $1",
    "INSERT INTO events (kind, payload) VALUES ($1, $2)",
    "BEGIN",
    "COMMIT",
    "SELECT 1",
];
const CMDS: &[(&str, &str)] = &[
    ("/usr/bin/ls", "-la\0/var/log\0"),
    ("/usr/bin/cat", "/etc/hostname\0"),
    ("/usr/bin/grep", "-r\0ERROR\0/var/log/app\0"),
    ("/usr/bin/date", "+%s\0"),
    ("/usr/bin/logrotate", "/etc/logrotate.conf\0"),
    ("/usr/bin/curl", "-s\0http://127.0.0.1/health\0"),
];
const LIBS: &[&str] = &[
    "/etc/ld.so.cache",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib/x86_64-linux-gnu/libpcre2-8.so.0",
    "/lib/x86_64-linux-gnu/libselinux.so.1",
];
const CONFIGS: &[&str] = &[
    "/srv/app/config.yaml",
    "/srv/app/.env",
    "/etc/ssl/certs/ca-certificates.crt",
    "/srv/app/templates/base.html",
];
const COMMS: &[&str] = &["nginx", "postgres", "cron", "python3"];

/// Role of a thread: 0 web server, 1 database, 2 cron/shell, 3 python app.
fn role(t: u64) -> usize {
    (t / 16) as usize
}

fn pseudo_content(url: &str) -> Vec<u8> {
    let mut v =
        format!("<!DOCTYPE html><html><head><title>{url}</title></head><body><h1>").into_bytes();
    v.truncate(80);
    v
}

/// Writes the synthetic capture with about `n` events; returns the event count written.
fn generate(path: &Path, n: u64, compression: Compression) -> u64 {
    let opts = WriterOptions {
        compression,
        flush_interval: None,
        level: None,
    };
    let mut w = CaptureWriter::create(path, opts).expect("create");
    w.machine_info(&MachineInfo {
        num_cpus: 2,
        memory_size_bytes: 8 << 30,
        max_pid: 4_194_304,
        hostname: "bench".into(),
        reserved: [0; 4],
    })
    .unwrap();
    let nthreads = 64u64;
    let tid_of = |t: u64| 1000 + t * 7;
    let procs: Vec<ProcEntry<'_>> = (0..nthreads)
        .map(|t| ProcEntry {
            version: 9,
            tid: tid_of(t) as i64,
            pid: tid_of(t) as i64,
            ptid: 1,
            comm: COMMS[role(t)].as_bytes(),
            exe: COMMS[role(t)].as_bytes(),
            args: b"--config\0/etc/app.conf\0",
            cwd: b"/srv/",
            fdlimit: 1024,
            env: Some(b"PATH=/usr/bin\0HOME=/root\0"),
            cgroups: Some(b"cpuset=/\0"),
            root: Some(b"/"),
            ..Default::default()
        })
        .collect();
    w.proc_list(&procs).unwrap();
    for t in 0..nthreads {
        let fds = [FdEntry {
            tid: tid_of(t),
            fd: 3,
            ino: 100 + t,
            info: FdInfo::File {
                open_flags: 2,
                name: b"/var/log/app.log",
                dev: Some(0x803),
            },
        }];
        w.fd_list(tid_of(t), &fds).unwrap();
    }
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut ts = 1_700_000_000_000_000_000u64;
    let mut rec = Vec::with_capacity(512);
    let mut written = 0u64;
    let mut batch: Vec<EventBuilder> = Vec::new();
    // Working sets as large as a real server's: 3000 URLs, 1000 clients, 400 data pages.
    // Their strings recur far apart (beyond gzip's 32 KiB window, within zstd's).
    const SECTIONS: &[&str] = &[
        "api/v1/users",
        "api/v1/orders",
        "static/js",
        "static/css",
        "img",
        "docs",
        "blog",
        "products",
        "api/v2/items",
        "account",
        "search",
        "media",
    ];
    let urls: Vec<String> = (0..3000u64)
        .map(|i| {
            let r = Rng(i * 0x9E37_79B9 + 7).next();
            format!(
                "/{}/{}{}",
                SECTIONS[(r % 12) as usize],
                URLS[(r >> 8) as usize % URLS.len()].trim_start_matches('/'),
                r % 100_000
            )
        })
        .collect();
    let clients: Vec<[u8; 4]> = (0..1000u64)
        .map(|i| {
            let r = Rng(i * 0x2545_F491 + 3).next();
            [
                (10 + r % 180) as u8,
                (r >> 8) as u8,
                (r >> 16) as u8,
                (r >> 24) as u8,
            ]
        })
        .collect();
    let v4 = |a: [u8; 4], p: u16| std::net::SocketAddrV4::new(a.into(), p);
    while written < n {
        let t = rng.below(nthreads);
        let tid = tid_of(t);
        let cpu = (t % 2) as u16;
        let r = rng.next();
        batch.clear();
        // Timestamps advance by a per-call base plus a few microseconds of jitter.
        let mut jitter = r;
        let mut ev = |ty: u16| {
            jitter = jitter.rotate_left(9);
            ts += 1500 + jitter % 4096;
            EventBuilder::new(ts, tid, ty)
        };
        match role(t) {
            0 => {
                let url = urls[(r >> 8) as usize % urls.len()].as_str();
                let client = v4(
                    clients[(r >> 24) as usize % clients.len()],
                    32768 + (r >> 40) as u16 % 28000,
                );
                let local = v4([10, 0, 0, 1], 80);
                let tuple = Param::Socktuple(scap::event::SockTuple::Inet {
                    src: client,
                    dst: local,
                });
                let req = format!("GET {url} HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n");
                let req = &req.as_bytes()[..req.len().min(80)];
                let file = format!("/var/www/html{url}");
                let body = pseudo_content(url);
                let resp = format!("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\nContent-Length: {}\r\n", 512 + url.len());
                let resp = &resp.as_bytes()[..80];
                let log = format!("{} - - [14/Nov/2023:22:13:20 +0000] \"GET {url} HTTP/1.1\" 200 {} \"-\" \"curl/7.88.1\"\n", client.ip(), 512 + url.len());
                let log = &log.as_bytes()[..log.len().min(80)];
                batch.extend([
                    ev(ids::ACCEPT_E).i32(0),
                    ev(ids::ACCEPT_X).fd(12).param(&tuple).u8(0).u32(0).u32(511),
                    ev(ids::READ_E).fd(12).u32(1024),
                    ev(ids::READ_X).i64(req.len() as i64).bytes(req),
                    ev(ids::OPENAT_E).fd(-100).str(&file).u32(0x1001).u32(0),
                    ev(ids::OPENAT_X)
                        .fd(13)
                        .fd(-100)
                        .str(&file)
                        .u32(0x1001)
                        .u32(0)
                        .u32(0x803),
                    ev(ids::READ_E).fd(13).u32(4096),
                    ev(ids::READ_X).i64(512 + url.len() as i64).bytes(&body),
                    ev(ids::WRITE_E).fd(12).u32(512),
                    ev(ids::WRITE_X).i64(512).bytes(resp),
                    ev(ids::CLOSE_E).fd(13),
                    ev(ids::CLOSE_X).i64(0),
                    ev(ids::WRITE_E).fd(3).u32(log.len() as u32),
                    ev(ids::WRITE_X).i64(log.len() as i64).bytes(log),
                    ev(ids::CLOSE_E).fd(12),
                    ev(ids::CLOSE_X).i64(0),
                ]);
            }
            1 => {
                let q = QUERIES[(r >> 8) as usize % QUERIES.len()];
                let peer = v4([10, 0, 0, 5], 50000 + (t as u16));
                let local = v4([10, 0, 0, 2], 5432);
                let tuple = Param::Socktuple(scap::event::SockTuple::Inet {
                    src: peer,
                    dst: local,
                });
                let page = format!(
                    "/var/lib/postgresql/15/main/base/16384/{}",
                    16000 + (r >> 20) % 400
                );
                batch.extend([
                    ev(ids::RECVFROM_E).fd(9).u32(8192),
                    ev(ids::RECVFROM_X).i64(q.len() as i64).bytes(&q.as_bytes()[..q.len().min(80)]).param(&tuple),
                    ev(ids::FUTEX_E).u64(0x7f00_1234_5678).u16(129).u64(1),
                    ev(ids::FUTEX_X).i64(0),
                    ev(ids::OPENAT_E).fd(-100).str(&page).u32(3).u32(0),
                    ev(ids::OPENAT_X).fd(20).fd(-100).str(&page).u32(3).u32(0).u32(0x803),
                    ev(ids::READ_E).fd(20).u32(8192),
                    ev(ids::READ_X).i64(8192).bytes(&[0u8; 80]),
                    ev(ids::CLOSE_E).fd(20),
                    ev(ids::CLOSE_X).i64(0),
                    ev(ids::SENDTO_E).fd(9).u32(64).param(&tuple),
                    ev(ids::SENDTO_X).i64(64).bytes(b"T\0\0\0\x1d\0\x01id\0\0\0@\0\0\x01\0\0\0\x17\0\x04\xff\xff\xff\xff\0\0D\0\0\0\x0b\0\x01\0\0\0\x0142"),
                ]);
            }
            2 => {
                let (cmd, args) = CMDS[(r >> 8) as usize % CMDS.len()];
                let child = (tid + 100_000 + (r >> 24) % 100_000) as i64;
                let comm = cmd.rsplit('/').next().unwrap_or(cmd);
                let clone_x = |b: EventBuilder, res: i64| {
                    b.i64(res)
                        .str("/bin/sh")
                        .bytes(b"-c\0run-parts /etc/cron.hourly\0")
                        .i64(tid as i64)
                        .i64(tid as i64)
                        .i64(1)
                        .str("/")
                        .i64(1024)
                        .u64(0)
                        .u64(120)
                        .u32(2400)
                        .u32(900)
                        .u32(0)
                        .str("sh")
                        .bytes(b"cpuset=/\0")
                        .u32(0x0120_0011)
                        .u32(0)
                        .u32(0)
                        .i64(child)
                        .i64(child)
                };
                batch.extend([ev(ids::CLONE_E), clone_x(ev(ids::CLONE_X), child)]);
                batch.extend([
                    ev(ids::EXECVE_E).str(cmd),
                    ev(ids::EXECVE_X)
                        .i64(0)
                        .str(cmd)
                        .bytes(args.as_bytes())
                        .i64(tid as i64)
                        .i64(tid as i64)
                        .i64(1)
                        .str("")
                        .u64(1024)
                        .u64(0)
                        .u64(210)
                        .u32(5600)
                        .u32(1200)
                        .u32(0)
                        .str(comm)
                        .bytes(b"cpuset=/\0")
                        .bytes(b"PATH=/usr/bin:/bin\0HOME=/root\0SHELL=/bin/sh\0")
                        .i32(0)
                        .i64(tid as i64)
                        .i32(-1)
                        .u32(0),
                ]);
                for lib in LIBS {
                    batch.extend([
                        ev(ids::OPENAT_E).fd(-100).str(lib).u32(0x1001).u32(0),
                        ev(ids::OPENAT_X)
                            .fd(3)
                            .fd(-100)
                            .str(lib)
                            .u32(0x1001)
                            .u32(0)
                            .u32(0x801),
                        ev(ids::MMAP_E)
                            .u64(0)
                            .u64(2_000_000)
                            .u32(5)
                            .u32(0x802)
                            .fd(3)
                            .u64(0),
                        ev(ids::MMAP_X)
                            .u64(0x7f3a_2c00_0000)
                            .u32(7000)
                            .u32(1400)
                            .u32(0),
                        ev(ids::CLOSE_E).fd(3),
                        ev(ids::CLOSE_X).i64(0),
                    ]);
                }
                batch.push(ev(ids::PROCEXIT_E).i64(0).i64(0).u8(0).u8(0));
            }
            _ => {
                let conf = CONFIGS[(r >> 8) as usize % CONFIGS.len()];
                let redis = v4([10, 0, 0, 7], 6379);
                let local = v4([10, 0, 0, 3], 41000 + (r >> 40) as u16 % 1000);
                let tuple = Param::Socktuple(scap::event::SockTuple::Inet {
                    src: local,
                    dst: redis,
                });
                let key = format!(
                    "*2\r\n$3\r\nGET\r\n$12\r\nsession:{:04}\r\n",
                    (r >> 12) % 5000
                );
                batch.extend([
                    ev(ids::SYSCALL_E).u16(4).u16(4), // stat, as a generic event
                    ev(ids::SYSCALL_X).u16(4),
                    ev(ids::OPENAT_E).fd(-100).str(conf).u32(1).u32(0),
                    ev(ids::OPENAT_X).fd(5).fd(-100).str(conf).u32(1).u32(0).u32(0x803),
                    ev(ids::READ_E).fd(5).u32(4096),
                    ev(ids::READ_X).i64(1200).bytes(b"database:\n  host: 10.0.0.2\n  port: 5432\n  name: app\nredis:\n  host: 10.0.0.7\n  po"),
                    ev(ids::CLOSE_E).fd(5),
                    ev(ids::CLOSE_X).i64(0),
                    ev(ids::SENDTO_E).fd(7).u32(key.len() as u32).param(&tuple),
                    ev(ids::SENDTO_X).i64(key.len() as i64).bytes(key.as_bytes()),
                    ev(ids::RECVFROM_E).fd(7).u32(65536),
                    ev(ids::RECVFROM_X).i64(40).bytes(b"$30\r\n{\"user\":17,\"ttl\":3600}\r\n").param(&tuple),
                ]);
            }
        }
        for b in &batch {
            rec.clear();
            b.build_into(&mut rec).unwrap();
            w.event(&rec, cpu, 0).unwrap();
        }
        written += batch.len() as u64;
    }
    w.finish().unwrap();
    written
}

/// Folds a decoded value into a checksum, as a consumer uses it: the integer, the
/// length of a byte string, the addresses and ports of a socket address or tuple.
#[inline(always)]
fn use_value(p: &Param<'_>) -> u64 {
    use scap::event::{SockAddr, SockTuple};
    let v4 = |a: &std::net::SocketAddrV4| u32::from(*a.ip()) as u64 ^ a.port() as u64;
    let v6 = |a: &std::net::SocketAddrV6| u128::from(*a.ip()) as u64 ^ a.port() as u64;
    match p {
        Param::Empty => 0,
        Param::Charbuf(b) | Param::Fspath(b) | Param::Bytebuf(b) | Param::Ipnet(b) => {
            b.len() as u64
        }
        Param::Fsrelpath { path, .. } => path.len() as u64,
        Param::Raw { bytes, .. } => bytes.len() as u64,
        Param::Dyn(d) => d.bytes.len() as u64 + d.index as u64,
        Param::Fdlist(l) => l.len() as u64,
        Param::Sockaddr(SockAddr::Inet(a)) => v4(a),
        Param::Sockaddr(SockAddr::Inet6(a)) => v6(a),
        Param::Sockaddr(SockAddr::Unix(b)) => b.len() as u64,
        Param::Sockaddr(SockAddr::Other { data, .. }) => data.len() as u64,
        Param::Socktuple(SockTuple::Inet { src, dst }) => v4(src) ^ v4(dst),
        Param::Socktuple(SockTuple::Inet6 { src, dst }) => v6(src) ^ v6(dst),
        Param::Socktuple(SockTuple::Unix { src, dst, path }) => src ^ dst ^ path.len() as u64,
        Param::Socktuple(SockTuple::Other { data, .. }) => data.len() as u64,
        Param::Ipv4addr(a) => u32::from(*a) as u64,
        Param::Ipv6addr(a) => u128::from(*a) as u64,
        Param::Ipaddr(a) => match a {
            std::net::IpAddr::V4(a) => u32::from(*a) as u64,
            std::net::IpAddr::V6(a) => u128::from(*a) as u64,
        },
        Param::Double(d) => d.to_bits(),
        other => other
            .as_u64()
            .or_else(|| other.as_i64().map(|v| v as u64))
            .unwrap_or(1),
    }
}

/// Reads and decodes every parameter; returns (events, checksum).
fn read_decode(path: &Path) -> (u64, u64) {
    let mut r = CaptureReader::open(path).expect("open");
    let mut n = 0u64;
    let mut acc = 0u64;
    r.for_each_record(|rec| {
        if let Record::Event(e) = rec {
            n += 1;
            e.for_each_param(
                #[inline(always)]
                |_, p| {
                    // Every value is decoded into its typed `Param` and used.
                    acc = acc.wrapping_add(use_value(&p));
                },
            );
        }
        std::ops::ControlFlow::Continue(())
    })
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (n, black_box(acc))
}

/// CPU time (user + system) of this process or of its waited-for children, in seconds.
/// The machine may be shared, so rates are reported per CPU second as well as per wall
/// second; the CPU figures are the fair comparison.
#[allow(unsafe_code)]
fn cpu_seconds(who: i32) -> f64 {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a `struct rusage` into the zeroed, properly sized buffer.
    let ru = unsafe {
        libc::getrusage(who, ru.as_mut_ptr());
        ru.assume_init()
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Best of `runs`: (wall seconds, cpu seconds, result).
fn best_of<F: FnMut() -> u64>(runs: usize, mut f: F) -> (f64, f64, u64) {
    let (mut wall, mut cpu) = (f64::MAX, f64::MAX);
    let mut n = 0;
    for _ in 0..runs {
        let c = cpu_seconds(libc::RUSAGE_SELF);
        let t = Instant::now();
        n = f();
        wall = wall.min(t.elapsed().as_secs_f64());
        cpu = cpu.min(cpu_seconds(libc::RUSAGE_SELF) - c);
    }
    (wall, cpu, n)
}

/// Best of 3 runs of `sysdig -r FILE evt.num=0`: (wall seconds, cpu seconds).
fn sysdig_time(file: &Path) -> Option<(f64, f64)> {
    let sysdig = std::env::var("SYSDIG").unwrap_or_else(|_| "/usr/bin/sysdig".into());
    let (mut wall, mut cpu) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        let c = cpu_seconds(libc::RUSAGE_CHILDREN);
        let t = Instant::now();
        let st = Command::new(&sysdig)
            .arg("-r")
            .arg(file)
            .arg("evt.num=0")
            .output()
            .ok()?;
        if !st.status.success() {
            eprintln!("sysdig failed: {}", String::from_utf8_lossy(&st.stderr));
            return None;
        }
        wall = wall.min(t.elapsed().as_secs_f64());
        cpu = cpu.min(cpu_seconds(libc::RUSAGE_CHILDREN) - c);
    }
    Some((wall, cpu))
}

fn size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn main() {
    // Profiling aid: `BENCH_READ_ONLY=FILE` only reads+decodes FILE 5 times.
    if let Ok(f) = std::env::var("BENCH_READ_ONLY") {
        // BENCH_RUNS=1 for instruction counting under callgrind.
        let runs = std::env::var("BENCH_RUNS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(5);
        let (t, c, n) = best_of(runs, || read_decode(Path::new(&f)).0);
        println!(
            "read+decode {n} events: {:.2} M/s wall, {:.2} M/s cpu",
            n as f64 / t / 1e6,
            n as f64 / c / 1e6
        );
        let (t, c, n) = best_of(runs, || {
            let mut r = CaptureReader::open(&f).expect("open");
            let mut n = 0u64;
            let _ = r.for_each_event(|e| {
                n += black_box(e.ts()) & 1 | 1;
                std::ops::ControlFlow::Continue(())
            });
            n
        });
        println!(
            "read only   {n} events: {:.2} M/s wall, {:.2} M/s cpu",
            n as f64 / t / 1e6,
            n as f64 / c / 1e6
        );
        return;
    }
    let n: u64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-scap");
    std::fs::create_dir_all(&dir).unwrap();
    let plain = dir.join("bench.scap");
    let zst = dir.join("bench.scap.zst");
    let sysdig_gz = dir.join("bench.sysdig.scap.gz");

    let t = Instant::now();
    let written = generate(&plain, n, Compression::None);
    println!(
        "generated {written} events (plain) in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    generate(&zst, n, Compression::Zstd);
    println!(
        "generated {written} events (zstd) in {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let (tp, cp, np) = best_of(3, || read_decode(&plain).0);
    let (tz, cz, nz) = best_of(3, || read_decode(&zst).0);
    assert_eq!(np, written);
    assert_eq!(nz, written);
    let m = |n: u64, t: f64| n as f64 / t / 1e6;
    println!("rates in M events/s, per wall second / per CPU second:");
    println!(
        "ours   read+decode plain (mmap): {:7.2} / {:7.2}",
        m(np, tp),
        m(np, cp)
    );
    println!(
        "ours   read+decode zstd        : {:7.2} / {:7.2}",
        m(nz, tz),
        m(nz, cz)
    );

    let sysdig = std::env::var("SYSDIG").unwrap_or_else(|_| "/usr/bin/sysdig".into());
    let gz_ok = Command::new(&sysdig)
        .arg("-r")
        .arg(&plain)
        .arg("-z")
        .arg("-w")
        .arg(&sysdig_gz)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    match sysdig_time(&plain) {
        Some((ts, cs)) => {
            println!(
                "sysdig -r plain evt.num=0      : {:7.2} / {:7.2}",
                m(written, ts),
                m(written, cs)
            );
            println!(
                "ours/sysdig (CPU): plain {:.1}x, zstd {:.1}x; (wall): plain {:.1}x, zstd {:.1}x  (target >= 10x)",
                cs / cp,
                cs / cz,
                ts / tp,
                ts / tz
            );
        }
        None => println!("sysdig not available: no comparison"),
    }
    if gz_ok {
        if let Some((tg, cg)) = sysdig_time(&sysdig_gz) {
            println!(
                "sysdig -r gzip  evt.num=0      : {:7.2} / {:7.2}",
                m(written, tg),
                m(written, cg)
            );
        }
    } else {
        let _ = std::fs::remove_file(&sysdig_gz);
    }
    let (sp, sz, sg) = (size(&plain), size(&zst), size(&sysdig_gz));
    println!("sizes: plain {sp} B, ours zstd {sz} B, sysdig gzip {sg} B");
    if sg > 0 {
        println!("zstd/gzip = {:.3} (target <= 0.5)", sz as f64 / sg as f64);
    }
}
