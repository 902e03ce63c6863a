//! `Scratch::share_checks`: programs evaluated on one event share the results of identical
//! checks (one extraction per distinct check), give the same answers as without sharing,
//! and never reuse a result across events or after `unshare_checks`.

use engine_filter::*;

mod common;
use common::TableReg;

const FIELDS: &[(&str, FieldType)] = &[
    ("proc.name", FieldType::Charbuf),
    ("fd.name", FieldType::Charbuf),
    ("evt.rawres", FieldType::Int64),
];

/// One event's values, counting extractions.
struct Evt {
    proc_name: &'static str,
    fd_name: &'static str,
    res: i64,
    extractions: usize,
}

impl FieldSource for Evt {
    fn extract(&mut self, id: FieldId, _arg: &FieldArg, out: &mut Values) -> bool {
        self.extractions += 1;
        match id.0 {
            0 => out.push_str(self.proc_name),
            1 => out.push_str(self.fd_name),
            2 => out.push_i64(self.res),
            _ => return false,
        }
        true
    }
}

fn programs() -> Vec<Program> {
    [
        "proc.name = bash and fd.name startswith /etc",
        "proc.name = bash and not fd.name startswith /etc",
        "(proc.name = bash) and evt.rawres >= 0",
        "proc.name=bash and fd.name contains shadow",
        "not proc.name = bash or evt.rawres < 0",
        // Same field and operator, other value: a different check.
        "proc.name = sh",
    ]
    .iter()
    .map(|c| compile(&parse(c).expect("parse"), &TableReg(FIELDS)).expect("compile"))
    .collect()
}

fn run(ps: &[Program], e: &mut Evt, scratch: &mut Scratch, share: bool) -> Vec<bool> {
    if share {
        scratch.share_checks();
    }
    let r = ps.iter().map(|p| p.eval_with(e, scratch)).collect();
    if share {
        scratch.unshare_checks();
    }
    r
}

#[test]
fn identical_checks_are_evaluated_once_per_event() {
    let ps = programs();
    let mut scratch = Scratch::new();
    let events = [
        ("bash", "/etc/shadow", 3),
        ("sh", "/etc/shadow", -1),
        ("bash", "/tmp/x", -2),
        ("bash", "/etc/passwd", 0),
    ];
    for (pn, fd, res) in events {
        let mut plain = Evt {
            proc_name: pn,
            fd_name: fd,
            res,
            extractions: 0,
        };
        let want = run(&ps, &mut plain, &mut scratch, false);
        let mut shared = Evt {
            proc_name: pn,
            fd_name: fd,
            res,
            extractions: 0,
        };
        let got = run(&ps, &mut shared, &mut scratch, true);
        assert_eq!(got, want, "event {pn} {fd} {res}");
        assert!(
            shared.extractions < plain.extractions,
            "{} vs {}",
            shared.extractions,
            plain.extractions
        );
    }
    // Distinct checks: proc.name = bash, fd.name startswith /etc, evt.rawres >= 0,
    // fd.name contains shadow, evt.rawres < 0, proc.name = sh: at most 6 extractions.
    let mut e = Evt {
        proc_name: "bash",
        fd_name: "/etc/shadow",
        res: 1,
        extractions: 0,
    };
    run(&ps, &mut e, &mut scratch, true);
    assert!(e.extractions <= 6, "{}", e.extractions);
    // After unshare_checks, nothing is reused: the next event sees its own values.
    let mut e = Evt {
        proc_name: "sh",
        fd_name: "/tmp",
        res: 1,
        extractions: 0,
    };
    assert_eq!(
        run(&ps, &mut e, &mut scratch, false),
        vec![false, false, false, false, true, true]
    );
}
