//! `Program::specialize`: checks on fields whose value is known in advance (evt.type for
//! one event code) are decided once; the specialised code gives the same answers as the
//! general code on events where the known values hold, without extracting those fields.

use engine_filter::*;

mod common;
use common::TableReg;

const FIELDS: &[(&str, FieldType)] = &[
    ("evt.type", FieldType::Charbuf),
    ("proc.name", FieldType::Charbuf),
    ("evt.rawres", FieldType::Int64),
];

struct Evt {
    ty: &'static str,
    proc_name: &'static str,
    res: i64,
    /// Extractions of evt.type.
    type_reads: usize,
}

impl FieldSource for Evt {
    fn extract(&mut self, id: FieldId, _arg: &FieldArg, out: &mut Values) -> bool {
        match id.0 {
            0 => {
                self.type_reads += 1;
                out.push_str(self.ty)
            }
            1 => out.push_str(self.proc_name),
            2 => out.push_i64(self.res),
            _ => return false,
        }
        true
    }
}

#[test]
fn specialised_code_agrees_and_skips_known_fields() {
    let conds = [
        "evt.type = open and proc.name = bash",
        "evt.type in (open, openat) and not proc.name in (sh, zsh)",
        "evt.type != open or evt.rawres < 0",
        "not evt.type exists or proc.name startswith ba",
        "(evt.type = execve and proc.name = sh) or (evt.type = openat and evt.rawres >= 0)",
        "proc.name = bash and (evt.type startswith op or evt.type endswith ve)",
    ];
    let progs: Vec<Program> = conds
        .iter()
        .map(|c| compile(&parse(c).expect("parse"), &TableReg(FIELDS)).expect("compile"))
        .collect();
    let mut scratch = Scratch::new();
    for ty in ["open", "openat", "execve", "connect"] {
        let specs: Vec<Specialized> = progs
            .iter()
            .map(|p| {
                p.specialize(&mut |id, _arg, out| {
                    (id.0 == 0).then(|| {
                        out.push_str(ty);
                        true
                    })
                })
            })
            .collect();
        for (pn, res) in [("bash", 0), ("sh", -1), ("zsh", 3), ("bas", -2)] {
            for ((p, s), c) in progs.iter().zip(&specs).zip(conds) {
                let mut plain = Evt {
                    ty,
                    proc_name: pn,
                    res,
                    type_reads: 0,
                };
                let want = p.eval_with(&mut plain, &mut scratch);
                let mut fast = Evt {
                    ty,
                    proc_name: pn,
                    res,
                    type_reads: 0,
                };
                let got = p.eval_specialized(s, &mut fast, &mut scratch);
                assert_eq!(got, want, "{c} on {ty} {pn} {res}");
                assert_eq!(fast.type_reads, 0, "{c}: evt.type was extracted");
            }
        }
    }
}
