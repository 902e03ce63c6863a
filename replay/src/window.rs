//! `--from/--to`: a time window over the capture, absolute (RFC 3339) or relative to the
//! capture start (`+10s`).

use anyhow::{bail, Context, Result};

/// One end of the window as written on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeSpec {
    /// Nanoseconds since the Unix epoch.
    Absolute(u64),
    /// Nanoseconds after the first event of the capture.
    Relative(u64),
}

impl TimeSpec {
    /// Resolve against the capture start (ns since the epoch).
    pub(crate) fn resolve(self, start_ns: u64) -> u64 {
        match self {
            TimeSpec::Absolute(t) => t,
            TimeSpec::Relative(d) => start_ns.saturating_add(d),
        }
    }
}

/// Parse `+1m30s`, `+250ms`, `+1.5s`, `+10` (seconds), or an RFC 3339 time
/// (`2024-05-01T10:00:00Z`, `2024-05-01 10:00:00.5+02:00`).
pub(crate) fn parse_time(s: &str) -> Result<TimeSpec> {
    let s = s.trim();
    if let Some(rel) = s.strip_prefix('+') {
        return parse_duration(rel)
            .map(TimeSpec::Relative)
            .with_context(|| {
                format!("bad relative time `{s}` (expected e.g. +10s, +1m30s, +250ms)")
            });
    }
    parse_rfc3339(s).map(TimeSpec::Absolute).with_context(|| {
        format!("bad time `{s}` (expected RFC 3339 like 2024-05-01T10:00:00Z, or +10s)")
    })
}

/// `1h2m3.5s`, `250ms`, `10us`, `5ns`, a bare number = seconds.
fn parse_duration(s: &str) -> Result<u64> {
    if s.is_empty() {
        bail!("empty duration");
    }
    let mut total: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        if num.is_empty() {
            bail!("expected a number at `{rest}`");
        }
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let mult: u128 = match unit {
            "" | "s" => 1_000_000_000,
            "ms" => 1_000_000,
            "us" | "µs" => 1_000,
            "ns" => 1,
            "m" | "min" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            _ => bail!("unknown unit `{unit}`"),
        };
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        let int: u128 = if int.is_empty() { 0 } else { int.parse()? };
        let mut v = int * mult;
        if !frac.is_empty() {
            if !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 9 {
                bail!("bad fraction `{frac}`");
            }
            let f: u128 = frac.parse()?;
            v += f * mult / 10u128.pow(frac.len() as u32);
        }
        total += v;
        rest = tail;
    }
    u64::try_from(total).context("duration too large")
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn parse_rfc3339(s: &str) -> Result<u64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Result<u32> {
        let t = s.get(r).context("too short")?;
        if !t.bytes().all(|c| c.is_ascii_digit()) {
            bail!("expected digits, got `{t}`");
        }
        Ok(t.parse()?)
    };
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        bail!("not RFC 3339");
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        bail!("field out of range");
    }
    let mut i = 19;
    let mut nanos: u64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let frac = &s[start..i];
        if frac.is_empty() || frac.len() > 9 {
            bail!("bad fraction");
        }
        nanos = frac.parse::<u64>()? * 10u64.pow(9 - frac.len() as u32);
    }
    let offset_s: i64 = match s.get(i..) {
        Some("Z" | "z") => 0,
        Some(tz) if tz.len() == 6 && (tz.starts_with('+') || tz.starts_with('-')) => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            if b[i + 3] != b':' {
                bail!("bad offset");
            }
            let v = i64::from(oh * 3600 + om * 60);
            if tz.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => bail!("missing or bad time zone (Z or +hh:mm)"),
    };
    let days = days_from_civil(i64::from(y), mo, d);
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + sec) - offset_s;
    let secs = u64::try_from(secs).context("before 1970")?;
    Ok(secs * 1_000_000_000 + nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative() {
        assert_eq!(
            parse_time("+10s").unwrap(),
            TimeSpec::Relative(10_000_000_000)
        );
        assert_eq!(
            parse_time("+1m30s").unwrap(),
            TimeSpec::Relative(90_000_000_000)
        );
        assert_eq!(
            parse_time("+250ms").unwrap(),
            TimeSpec::Relative(250_000_000)
        );
        assert_eq!(
            parse_time("+1.5").unwrap(),
            TimeSpec::Relative(1_500_000_000)
        );
        assert_eq!(
            parse_time("+2h").unwrap(),
            TimeSpec::Relative(7_200_000_000_000)
        );
        assert!(parse_time("+").is_err());
        assert!(parse_time("+10x").is_err());
        assert!(parse_time("+s").is_err());
        assert_eq!(TimeSpec::Relative(5).resolve(100), 105);
    }

    #[test]
    fn absolute() {
        assert_eq!(
            parse_time("2016-08-04T16:17:57.881781397Z").unwrap(),
            TimeSpec::Absolute(1_470_327_477_881_781_397)
        );
        assert_eq!(
            parse_time("2016-08-04T18:17:57+02:00").unwrap(),
            TimeSpec::Absolute(1_470_327_477_000_000_000)
        );
        assert_eq!(
            parse_time("1970-01-01 00:00:01.5Z").unwrap(),
            TimeSpec::Absolute(1_500_000_000)
        );
        assert!(parse_time("2016-08-04T16:17:57").is_err());
        assert!(parse_time("2016-13-04T16:17:57Z").is_err());
        assert!(parse_time("yesterday").is_err());
    }
}
