//! Shared by the engine-filter integration tests: a field registry over a fixed table of
//! `(name, type)` pairs, where a field's id is its index in the table.

use engine_filter::*;

/// Resolves the fields of its table; any other name is "nonexistent".
pub(crate) struct TableReg(pub(crate) &'static [(&'static str, FieldType)]);

impl FieldRegistry for TableReg {
    fn lookup(&self, name: &str, _arg: Option<&str>) -> Result<FieldDef, String> {
        let i = self
            .0
            .iter()
            .position(|f| f.0 == name)
            .ok_or_else(|| format!("nonexistent field {name}"))?;
        Ok(FieldDef {
            id: FieldId(i as u32),
            arg: FieldArg::None,
            ty: self.0[i].1,
            flags: FieldFlags::NONE,
            name: self.0[i].0.into(),
        })
    }
}
