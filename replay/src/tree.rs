//! `--process-tree`: the processes seen in the capture, as a tree by parent pid, with the
//! alerts each one raised.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// One process as last seen.
#[derive(Debug, Default, Clone)]
pub(crate) struct ProcNode {
    pub(crate) ppid: i64,
    pub(crate) name: String,
    pub(crate) cmdline: String,
    pub(crate) container: String,
    /// Rules fired by this process, with counts.
    pub(crate) alerts: BTreeMap<String, u64>,
}

/// The process table gathered during the run.
#[derive(Debug, Default)]
pub(crate) struct ProcTree {
    procs: BTreeMap<i64, ProcNode>,
}

impl ProcTree {
    /// Record (or refresh) a process. Called on process-creating and exec events and on
    /// the first event of an unknown pid.
    pub(crate) fn see(&mut self, pid: i64, ppid: i64, name: &str, cmdline: &str, container: &str) {
        let n = self.procs.entry(pid).or_default();
        n.ppid = ppid;
        if n.name != name {
            n.name = name.to_string();
        }
        if n.cmdline != cmdline {
            n.cmdline = cmdline.to_string();
        }
        if n.container != container {
            n.container = container.to_string();
        }
    }

    /// Is the pid known?
    pub(crate) fn knows(&self, pid: i64) -> bool {
        self.procs.contains_key(&pid)
    }

    /// Mark an alert on a process.
    pub(crate) fn alert(&mut self, pid: i64, rule: &str) {
        let n = self.procs.entry(pid).or_default();
        match n.alerts.get_mut(rule) {
            Some(c) => *c += 1,
            None => {
                n.alerts.insert(rule.to_string(), 1);
            }
        }
    }

    /// Render as an indented tree; roots are processes whose parent was not seen.
    pub(crate) fn render(&self) -> String {
        let mut children: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        let mut roots = Vec::new();
        for (&pid, n) in &self.procs {
            if n.ppid != pid && self.procs.contains_key(&n.ppid) {
                children.entry(n.ppid).or_default().push(pid);
            } else {
                roots.push(pid);
            }
        }
        let mut out = String::new();
        let mut visited = BTreeSet::new();
        let last = roots.len().saturating_sub(1);
        for (i, r) in roots.iter().enumerate() {
            self.render_node(*r, "", i == last, true, &children, &mut visited, &mut out);
        }
        // Processes caught in a parent cycle (pid reuse) have no root: print them as roots.
        let rest: Vec<i64> = self
            .procs
            .keys()
            .filter(|p| !visited.contains(p))
            .copied()
            .collect();
        for r in rest {
            self.render_node(r, "", true, true, &children, &mut visited, &mut out);
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn render_node(
        &self,
        pid: i64,
        prefix: &str,
        last: bool,
        root: bool,
        children: &BTreeMap<i64, Vec<i64>>,
        visited: &mut BTreeSet<i64>,
        out: &mut String,
    ) {
        if !visited.insert(pid) {
            return; // a parent cycle (pid reuse): print each process once
        }
        let Some(n) = self.procs.get(&pid) else {
            return;
        };
        let branch = if root {
            ""
        } else if last {
            "└─ "
        } else {
            "├─ "
        };
        let mark = if n.alerts.is_empty() { "  " } else { "! " };
        let _ = write!(out, "{mark}{prefix}{branch}{pid} {}", n.name);
        if !n.cmdline.is_empty() && n.cmdline != n.name {
            let _ = write!(out, " ({})", n.cmdline);
        }
        if !n.container.is_empty() && n.container != "host" {
            let _ = write!(out, " [container {}]", n.container);
        }
        for (rule, c) in &n.alerts {
            let _ = write!(out, "  <== ALERT {rule}");
            if *c > 1 {
                let _ = write!(out, " x{c}");
            }
        }
        out.push('\n');
        let child_prefix = if root {
            String::new()
        } else {
            format!("{prefix}{}", if last { "   " } else { "│  " })
        };
        if let Some(kids) = children.get(&pid) {
            let lastk = kids.len().saturating_sub(1);
            for (i, k) in kids.iter().enumerate() {
                self.render_node(*k, &child_prefix, i == lastk, false, children, visited, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_tree_with_alerts() {
        let mut t = ProcTree::default();
        t.see(1, 0, "init", "init", "host");
        t.see(10, 1, "bash", "bash -i", "host");
        t.see(11, 10, "cat", "cat /etc/shadow", "host");
        t.see(12, 1, "sshd", "sshd", "host");
        t.alert(11, "Sensitive file read");
        t.alert(11, "Sensitive file read");
        let r = t.render();
        let want = concat!(
            "  1 init\n",
            "  ├─ 10 bash (bash -i)\n",
            "! │  └─ 11 cat (cat /etc/shadow)  <== ALERT Sensitive file read x2\n",
            "  └─ 12 sshd\n"
        );
        assert_eq!(r, want);
    }

    #[test]
    fn cycles_do_not_loop() {
        let mut t = ProcTree::default();
        t.see(2, 3, "a", "", "");
        t.see(3, 2, "b", "", "");
        // Both have a known parent: no natural root; each is still printed once.
        let r = t.render();
        assert_eq!(r.matches(" a").count() + r.matches(" b").count(), 2, "{r}");
    }
}
