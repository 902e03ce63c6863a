//! Tests of the no_std event encoder (`scap_abi::encode`).

use scap_abi::encode::{EncodeError, EventWriter};
use scap_abi::event::ids;

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}
fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
}

#[test]
fn openat_exit_layout_is_byte_exact() {
    let mut buf = [0xAAu8; 256];
    let mut w = EventWriter::new(&mut buf, 0x1122_3344_5566_7788, 42, ids::OPENAT_X, 6).unwrap();
    w.push_i64(3).unwrap();
    w.push_i64(-100).unwrap();
    w.push_str_nul(b"/etc/passwd").unwrap();
    w.push_u32(1).unwrap();
    w.push_u32(0o644).unwrap();
    w.push_u32(0x803).unwrap();
    let n = w.finish().unwrap();
    assert_eq!(n, 26 + 6 * 2 + 8 + 8 + 12 + 4 + 4 + 4);
    let b = &buf[..n];
    assert_eq!(u64_at(b, 0), 0x1122_3344_5566_7788);
    assert_eq!(u64_at(b, 8), 42);
    assert_eq!(u32_at(b, 16) as usize, n);
    assert_eq!(u16_at(b, 20), 307);
    assert_eq!(u32_at(b, 22), 6);
    let lens: Vec<u16> = (0..6).map(|i| u16_at(b, 26 + 2 * i)).collect();
    assert_eq!(lens, [8, 8, 12, 4, 4, 4]);
    assert_eq!(&b[38..46], &3i64.to_le_bytes());
    assert_eq!(&b[46..54], &(-100i64).to_le_bytes());
    assert_eq!(&b[54..66], b"/etc/passwd\0");
    assert_eq!(u32_at(b, 66), 1);
    assert_eq!(u32_at(b, 70), 0o644);
    assert_eq!(u32_at(b, 74), 0x803);
}

#[test]
fn large_payload_types_use_u32_lengths() {
    let mut buf = vec![0u8; 200_000];
    let json = vec![b'x'; 100_000];
    let mut w = EventWriter::new(&mut buf, 1, u64::MAX, ids::CONTAINER_E, 1).unwrap();
    w.push_str_nul(&json).unwrap();
    let n = w.finish().unwrap();
    assert_eq!(n, 26 + 4 + 100_001);
    assert_eq!(u32_at(&buf, 26), 100_001);
    assert_eq!(u64_at(&buf, 8), u64::MAX);
}

#[test]
fn u16_length_overflow_is_an_error() {
    let mut buf = vec![0u8; 100_000];
    let big = vec![0u8; 70_000];
    let mut w = EventWriter::new(&mut buf, 1, 1, ids::WRITE_X, 2).unwrap();
    w.push_i64(70_000).unwrap();
    assert_eq!(
        w.push_bytes(&big),
        Err(EncodeError::ParamTooLong {
            index: 1,
            len: 70_000
        })
    );
    assert!(w.finish().is_err());
}

#[test]
fn too_small_buffers_error_at_every_size() {
    // Encode once into a big buffer, then retry into every shorter buffer: each attempt
    // must fail with BufferTooSmall (never panic), and the exact size must succeed.
    let encode = |buf: &mut [u8]| -> Result<usize, EncodeError> {
        let mut w = EventWriter::new(buf, 7, 8, ids::CONNECT_X, 2)?;
        w.push_i64(0)?;
        w.push_socktuple_inet([10, 0, 0, 1], 40000, [1, 1, 1, 1], 443)?;
        w.finish()
    };
    let mut big = [0u8; 128];
    let n = encode(&mut big).unwrap();
    assert_eq!(n, 26 + 4 + 8 + 13);
    for size in 0..n {
        let mut b = vec![0u8; size];
        match encode(&mut b) {
            Err(EncodeError::BufferTooSmall { have, .. }) => assert_eq!(have, size),
            other => panic!("size {size}: {other:?}"),
        }
    }
    let mut exact = vec![0u8; n];
    assert_eq!(encode(&mut exact), Ok(n));
    assert_eq!(&exact[..], &big[..n]);
}

#[test]
fn param_count_is_enforced() {
    let mut buf = [0u8; 64];
    let mut w = EventWriter::new(&mut buf, 0, 0, ids::CLOSE_E, 1).unwrap();
    w.push_i64(1).unwrap();
    assert_eq!(
        w.push_i64(2),
        Err(EncodeError::TooManyParams { declared: 1 })
    );
    let mut buf = [0u8; 64];
    let w = EventWriter::new(&mut buf, 0, 0, ids::CLOSE_E, 1).unwrap();
    assert_eq!(
        w.finish(),
        Err(EncodeError::MissingParams {
            declared: 1,
            pushed: 0
        })
    );
    let mut buf = [0u8; 64];
    assert_eq!(
        EventWriter::new(&mut buf, 0, 0, 9999, 0).unwrap_err(),
        EncodeError::UnknownEventType(9999)
    );
    // Unknown types can still be written with an explicit width.
    let mut w = EventWriter::with_width(&mut buf, 0, 0, 9999, 1, false).unwrap();
    w.push_empty().unwrap();
    assert_eq!(w.finish(), Ok(28));
}

#[test]
fn sticky_error_is_reported_by_finish() {
    let mut buf = [0u8; 40];
    let mut w = EventWriter::new(&mut buf, 0, 0, ids::READ_X, 2).unwrap();
    let _ = w.push_i64(5);
    let _ = w.push_bytes(&[1; 64]); // does not fit
    let _ = w.push_bytes(&[]); // would fit, but the record is already broken
    assert!(matches!(
        w.finish(),
        Err(EncodeError::BufferTooSmall { .. })
    ));
}

#[test]
fn composite_encodings() {
    let mut buf = [0u8; 256];
    let mut w = EventWriter::new(&mut buf, 0, 0, ids::POLL_E, 2).unwrap();
    w.push_fdlist(&[(3, 1), (-1, 4)]).unwrap();
    w.push_i64(1000).unwrap();
    let n = w.finish().unwrap();
    let v = &buf[30..n];
    assert_eq!(&v[..2], &2u16.to_le_bytes());
    assert_eq!(&v[2..10], &3i64.to_le_bytes());
    assert_eq!(&v[10..12], &1i16.to_le_bytes());
    assert_eq!(&v[12..20], &(-1i64).to_le_bytes());
    let mut w = EventWriter::new(&mut buf, 0, 0, ids::CONNECT_E, 2).unwrap();
    w.push_i64(3).unwrap();
    w.push_sockaddr_unix(b"/run/x.sock").unwrap();
    let n = w.finish().unwrap();
    assert_eq!(&buf[30..n], b"\x03\0\0\0\0\0\0\0\x01/run/x.sock\0");
    let mut w = EventWriter::new(&mut buf, 0, 0, ids::PTRACE_X, 3).unwrap();
    w.push_i64(0).unwrap();
    w.push_dyn(0, &7u64.to_le_bytes()).unwrap();
    w.push_dyn(1, &[9]).unwrap();
    let n = w.finish().unwrap();
    assert_eq!(n, 26 + 6 + 8 + 9 + 2);
}
