//! `--summary`: counters gathered during the run and the comfy-table tables printed at
//! the end (events processed, alerts per rule and per priority, top processes, files,
//! connections and syscalls).

use std::collections::HashMap;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};

/// How many rows the "top" tables show.
const TOP: usize = 10;

/// A string → count map that allocates only for new keys.
#[derive(Debug, Default)]
pub(crate) struct Counter(HashMap<Box<str>, u64>);

impl Counter {
    pub(crate) fn add(&mut self, key: &str) {
        match self.0.get_mut(key) {
            Some(n) => *n += 1,
            None => {
                self.0.insert(key.into(), 1);
            }
        }
    }

    /// Entries by count descending, then key ascending.
    pub(crate) fn top(&self, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.0.iter().map(|(k, c)| (&**k, *c)).collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// Everything `--summary` prints.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    pub(crate) files_read: usize,
    pub(crate) bytes_read: u64,
    pub(crate) events_read: u64,
    pub(crate) events_evaluated: u64,
    pub(crate) first_ts: Option<u64>,
    pub(crate) last_ts: Option<u64>,
    pub(crate) syscalls: Counter,
    pub(crate) processes: Counter,
    pub(crate) files: Counter,
    pub(crate) connections: Counter,
    pub(crate) elapsed_s: f64,
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(header.iter().map(Cell::new).collect::<Vec<_>>());
    t
}

fn right(v: impl ToString) -> Cell {
    Cell::new(v.to_string()).set_alignment(CellAlignment::Right)
}

impl Summary {
    /// Render the tables. `by_rule` is (rule, priority name, count) in first-fired order;
    /// `by_priority` is (priority name, count) from most to least severe.
    pub(crate) fn render(
        &self,
        by_rule: &[(String, &'static str, u64)],
        by_priority: &[(&'static str, u64)],
    ) -> String {
        let mut out = String::new();
        let mut t = table(&["Run", "Value"]);
        t.add_row(vec![Cell::new("capture files"), right(self.files_read)]);
        t.add_row(vec![Cell::new("bytes read"), right(self.bytes_read)]);
        t.add_row(vec![Cell::new("events read"), right(self.events_read)]);
        t.add_row(vec![
            Cell::new("events evaluated"),
            right(self.events_evaluated),
        ]);
        if let (Some(a), Some(b)) = (self.first_ts, self.last_ts) {
            t.add_row(vec![
                Cell::new("capture span (s)"),
                right(format!("{:.3}", b.saturating_sub(a) as f64 / 1e9)),
            ]);
        }
        let alerts: u64 = by_priority.iter().map(|(_, n)| n).sum();
        t.add_row(vec![Cell::new("alerts"), right(alerts)]);
        if self.elapsed_s > 0.0 {
            t.add_row(vec![
                Cell::new("events/s"),
                right(format!("{:.0}", self.events_read as f64 / self.elapsed_s)),
            ]);
        }
        out.push_str(&format!("{t}\n"));

        if !by_rule.is_empty() {
            let mut t = table(&["Rule", "Priority", "Alerts"]);
            let mut rows: Vec<_> = by_rule.iter().collect();
            rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
            for (r, p, n) in rows {
                t.add_row(vec![Cell::new(r), Cell::new(p), right(n)]);
            }
            out.push_str(&format!("{t}\n"));
            let mut t = table(&["Priority", "Alerts"]);
            for (p, n) in by_priority {
                t.add_row(vec![Cell::new(p), right(n)]);
            }
            out.push_str(&format!("{t}\n"));
        }
        for (title, c) in [
            ("Top processes (events)", &self.processes),
            ("Top files (opens)", &self.files),
            ("Top connections", &self.connections),
            ("Top syscalls", &self.syscalls),
        ] {
            if c.len() == 0 {
                continue;
            }
            let mut t = table(&[title, "Count"]);
            for (k, n) in c.top(TOP) {
                t.add_row(vec![Cell::new(k), right(n)]);
            }
            out.push_str(&format!("{t}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_orders_by_count_then_name() {
        let mut c = Counter::default();
        for k in ["b", "a", "b", "c", "a", "b"] {
            c.add(k);
        }
        assert_eq!(c.top(2), vec![("b", 3), ("a", 2)]);
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn renders_tables() {
        let mut s = Summary {
            events_read: 10,
            ..Summary::default()
        };
        s.syscalls.add("openat");
        let out = s.render(&[("R".into(), "Warning", 2)], &[("Warning", 2)]);
        assert!(out.contains("events read") && out.contains("openat") && out.contains("R"));
        assert!(out.contains("Warning"));
    }
}
