//! Data-driven parser suite: runs every case of `tests/data/parser_cases.txt`
//! (falco-cases.md section J plus canonical prints). See the data file for the format.

use engine_filter::{parse_with, Expr, Parser, ParserOptions, Pos, Rhs};

fn unescape(s: &str) -> String {
    s.replace("\\n", "\n").replace("\\t", "\t")
}

fn opts(depth: usize) -> ParserOptions {
    ParserOptions {
        max_depth: depth,
        ..ParserOptions::default()
    }
}

fn fmt_pos(p: Pos) -> String {
    format!("{}/{}/{}", p.idx, p.line, p.col)
}

fn first_check(e: &Expr) -> Option<&engine_filter::Check> {
    let mut found = None;
    e.walk(&mut |n| {
        if let (None, Expr::Check(c)) = (&found, n) {
            found = Some(&**c);
        }
    });
    found
}

fn select(e: &Expr, sel: &str) -> Option<Pos> {
    match sel {
        "root" => Some(e.pos()),
        "child" => match e {
            Expr::And { children, .. } | Expr::Or { children, .. } => {
                children.first().map(Expr::pos)
            }
            Expr::Not { child, .. } => Some(child.pos()),
            _ => None,
        },
        "lhs" => first_check(e).map(|c| c.lhs.pos()),
        "rhs" => first_check(e).and_then(|c| {
            c.rhs.as_ref().map(|r| match r {
                Rhs::Value(v) => v.pos,
                Rhs::List(l) => l.pos,
                Rhs::Val(f) => f.pos,
                Rhs::Transformer(t) => t.pos,
            })
        }),
        _ => None,
    }
}

/// Runs one case; `Err` describes a failure.
fn run_case(directive: &str, rest: &str) -> Result<(), String> {
    let (cond, expected) = match rest.find("==>") {
        Some(i) => {
            let c = &rest[..i];
            (
                c.strip_suffix(' ').unwrap_or(c),
                rest[i + 3..].strip_prefix(' ').unwrap_or(&rest[i + 3..]),
            )
        }
        None => (rest, ""),
    };
    let (directive, cond) = match directive.strip_suffix('~') {
        Some(d) => (d, unescape(cond)),
        None => (directive, cond.to_string()),
    };
    let falco = ParserOptions::falco();
    match directive {
        "accept" => parse_with(&cond, falco)
            .map(|_| ())
            .map_err(|e| format!("rejected: {e} at {}", e.pos)),
        "accept*" => {
            let variants = [
                cond.clone(),
                format!("  {cond}  "),
                format!(" \t\n{cond}\n\t "),
                cond.replace(' ', "\n"),
                cond.replace(' ', "\t"),
            ];
            for v in variants {
                parse_with(&v, falco).map_err(|e| format!("variant {v:?} rejected: {e}"))?;
            }
            Ok(())
        }
        "reject" => match parse_with(&cond, falco) {
            Ok(e) => Err(format!("accepted as {}", e.shape())),
            Err(_) => Ok(()),
        },
        "error" => match parse_with(&cond, falco) {
            Ok(e) => Err(format!("accepted as {}", e.shape())),
            Err(e) if e.message == expected => Ok(()),
            Err(e) => Err(format!("message {:?}", e.message)),
        },
        "print" | "print-nr" => {
            let e = parse_with(&cond, falco).map_err(|e| format!("rejected: {e}"))?;
            let got = e.to_string();
            if got != expected {
                return Err(format!("printed {got:?}"));
            }
            if directive == "print-nr" {
                return Ok(());
            }
            // The canonical print must itself parse back to the same print.
            let again = parse_with(&got, falco).map_err(|e| format!("reparse of {got:?}: {e}"))?;
            if again.to_string() != got {
                return Err(format!("reprint {:?}", again.to_string()));
            }
            Ok(())
        }
        "shape" => {
            let e = parse_with(&cond, falco).map_err(|e| format!("rejected: {e}"))?;
            if e.shape() != expected {
                return Err(format!("shape {:?}", e.shape()));
            }
            Ok(())
        }
        "end" => {
            let mut p = Parser::new(&cond, falco);
            p.parse().map_err(|e| format!("rejected: {e}"))?;
            let got = format!("{} {} {}", p.pos().idx, p.pos().line, p.pos().col);
            if got != expected {
                return Err(format!("ended at {got}"));
            }
            Ok(())
        }
        "pos" => {
            let e = parse_with(&cond, falco).map_err(|e| format!("rejected: {e}"))?;
            for item in expected.split_whitespace() {
                let (sel, want) = item.split_once('=').ok_or("bad pos item")?;
                let got = select(&e, sel).map(fmt_pos);
                if got.as_deref() != Some(want) {
                    return Err(format!("{sel} at {got:?}, want {want}"));
                }
            }
            Ok(())
        }
        "deep" | "nest" | "nestfail" => {
            let mut it = cond.split_whitespace();
            let n: usize = it.next().and_then(|x| x.parse().ok()).ok_or("bad N")?;
            let depth: usize = it.next().and_then(|x| x.parse().ok()).ok_or("bad DEPTH")?;
            if directive == "deep" {
                let text = "(".repeat(n);
                match parse_with(&text, opts(depth)) {
                    Ok(_) => Err("accepted".into()),
                    Err(e) if e.message == expected => Ok(()),
                    Err(e) => Err(format!("message {:?}", e.message)),
                }
            } else {
                let text = format!("{}a{}", "(".repeat(n), ")".repeat(n));
                match (directive, parse_with(&text, opts(depth))) {
                    ("nest", Ok(_)) => Ok(()),
                    ("nest", Err(e)) => Err(format!("rejected: {e}")),
                    (_, Ok(_)) => Err("accepted".into()),
                    (_, Err(e)) if e.message == expected => Ok(()),
                    (_, Err(e)) => Err(format!("message {:?}", e.message)),
                }
            }
        }
        other => Err(format!("unknown directive {other:?}")),
    }
}

#[test]
fn parser_cases() {
    // Depth-1000 conditions need ~4 MiB of stack in debug builds (well under 1 MiB in
    // release); the default test thread has 2 MiB.
    std::thread::Builder::new()
        .stack_size(32 << 20)
        .spawn(run_all)
        .expect("spawn")
        .join()
        .expect("parser cases");
}

fn run_all() {
    let data = include_str!("data/parser_cases.txt");
    let (mut passed, mut skipped, mut failures) = (0, 0, Vec::new());
    for (lineno, line) in data.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut body = line;
        if let Some(r) = body.strip_prefix("skip(") {
            let end = r.find(") ").expect("skip(REASON) needs ') '");
            eprintln!(
                "SKIP line {}: {} ({})",
                lineno + 1,
                &r[end + 2..],
                &r[..end]
            );
            skipped += 1;
            continue;
        }
        let colon = body
            .find(": ")
            .or_else(|| body.find(':'))
            .expect("directive");
        let directive = &body[..colon];
        body = body[colon + 1..]
            .strip_prefix(' ')
            .unwrap_or(&body[colon + 1..]);
        match run_case(directive, body) {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("line {}: {line}\n    -> {e}", lineno + 1)),
        }
    }
    eprintln!(
        "parser cases: {passed} passed, {skipped} skipped, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(passed > 250, "suite unexpectedly small: {passed}");
}
