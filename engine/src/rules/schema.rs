//! Falco's rules-file JSON schema check (`falco --rule-schema`), applied to the YAML tree
//! with weak typing as Falco does it (a scalar satisfies `string`; `integer` if it parses
//! as one; `boolean` if it is `true`/`false`). The result is informative only
//! ("schema validation: ok/failed"), never an error.

use super::yaml::{Node, NodeKind};

const RULE_KEYS: [&str; 20] = [
    "required_engine_version",
    "required_plugin_versions",
    "macro",
    "condition",
    "list",
    "items",
    "rule",
    "desc",
    "enabled",
    "output",
    "append",
    "priority",
    "capture",
    "capture_duration",
    "source",
    "exceptions",
    "override",
    "tags",
    "warn_evttypes",
    "skip-if-unknown-filter",
];

const OVERRIDE_KEYS: [&str; 12] = [
    "items",
    "desc",
    "condition",
    "output",
    "priority",
    "enabled",
    "exceptions",
    "capture",
    "capture_duration",
    "tags",
    "warn_evttypes",
    "skip-if-unknown-filter",
];

const PRIORITIES: [&str; 9] = [
    "EMERGENCY",
    "ALERT",
    "CRITICAL",
    "ERROR",
    "WARNING",
    "NOTICE",
    "INFO",
    "INFORMATIONAL",
    "DEBUG",
];

struct V {
    out: Vec<String>,
}

impl V {
    fn fail(&mut self, ctx: &str, what: &str) {
        self.out.push(format!("failed for {ctx}: {what}"));
    }
    fn string(&mut self, n: &Node, ctx: &str) {
        if !n.is_scalar() {
            self.fail(ctx, "Value type not permitted by 'type' constraint.");
        }
    }
    fn boolean(&mut self, n: &Node, ctx: &str) {
        if !matches!(n.scalar(), Some("true" | "false")) {
            self.fail(ctx, "Value type not permitted by 'type' constraint.");
        }
    }
    fn integer(&mut self, n: &Node, ctx: &str) {
        let ok = n.scalar().is_some_and(|s| {
            let d = s.strip_prefix(['-', '+']).unwrap_or(s);
            !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
        });
        if !ok {
            self.fail(ctx, "Value type not permitted by 'type' constraint.");
        }
    }
    fn array<'a>(&mut self, n: &'a Node, ctx: &str) -> &'a [Node] {
        match n.seq() {
            Some(s) => s,
            None => {
                self.fail(ctx, "Value type not permitted by 'type' constraint.");
                &[]
            }
        }
    }
    fn object<'a>(
        &mut self,
        n: &'a Node,
        ctx: &str,
        allowed: &[&str],
        required: &[&str],
    ) -> &'a [(Node, Node)] {
        let Some(m) = n.map() else {
            self.fail(ctx, "Value type not permitted by 'type' constraint.");
            return &[];
        };
        for (k, _) in m {
            let key = k.scalar().unwrap_or("");
            if !allowed.contains(&key) || key.is_empty() {
                self.fail(
                    ctx,
                    &format!("Object contains a property that could not be validated using 'properties' or 'additionalProperties' constraints: '{key}'."),
                );
            }
        }
        for r in required {
            if n.get(r).is_none() {
                self.fail(ctx, &format!("Missing required property '{r}'."));
            }
        }
        m
    }

    fn rule_item(&mut self, item: &Node, ctx: &str) {
        for (k, v) in self.object(item, ctx, &RULE_KEYS, &[]) {
            let key = k.scalar().unwrap_or("");
            let c = format!("{ctx}[{key}]");
            match key {
                "required_engine_version"
                | "macro"
                | "condition"
                | "list"
                | "rule"
                | "desc"
                | "output"
                | "source" => self.string(v, &c),
                "enabled" | "append" | "capture" | "warn_evttypes" | "skip-if-unknown-filter" => {
                    self.boolean(v, &c)
                }
                "capture_duration" => self.integer(v, &c),
                "priority" if !v.scalar().is_some_and(|p| PRIORITIES.contains(&p)) => {
                    self.fail(&c, "Failed to match against any enum values.");
                }
                "items" | "tags" => {
                    for (i, x) in self.array(v, &c).iter().enumerate() {
                        self.string(x, &format!("{c}[{i}]"));
                    }
                }
                "exceptions" => {
                    for (i, x) in self.array(v, &c).iter().enumerate() {
                        self.object(
                            x,
                            &format!("{c}[{i}]"),
                            &["name", "fields", "comps", "values"],
                            &["name"],
                        );
                        if let Some(nm) = x.get("name") {
                            self.string(nm, &format!("{c}[{i}][name]"));
                        }
                    }
                }
                "override" => {
                    let m = self.object(v, &c, &OVERRIDE_KEYS, &[]);
                    if m.is_empty() && v.is_map() {
                        self.fail(&c, "Object should have at least 1 properties.");
                    }
                    for (ok, ov) in m {
                        if !matches!(ov.scalar(), Some("append" | "replace")) {
                            let oc = format!("{c}[{}]", ok.scalar().unwrap_or(""));
                            self.fail(&oc, "Failed to match against any enum values.");
                        }
                    }
                }
                "required_plugin_versions" => {
                    for (i, x) in self.array(v, &c).iter().enumerate() {
                        let pc = format!("{c}[{i}]");
                        for (pk, pv) in self.object(
                            x,
                            &pc,
                            &["name", "version", "alternatives"],
                            &["name", "version"],
                        ) {
                            let kk = pk.scalar().unwrap_or("");
                            let kc = format!("{pc}[{kk}]");
                            if kk == "alternatives" {
                                for (j, a) in self.array(pv, &kc).iter().enumerate() {
                                    let ac = format!("{kc}[{j}]");
                                    for (_, av) in self.object(
                                        a,
                                        &ac,
                                        &["name", "version"],
                                        &["name", "version"],
                                    ) {
                                        self.string(av, &ac);
                                    }
                                }
                            } else {
                                self.string(pv, &kc);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// Validates the documents; returns `["ok"]` or one `failed for <path>: <why>` per problem.
pub fn validate(docs: &[Node]) -> Vec<String> {
    let mut v = V { out: Vec::new() };
    for d in docs {
        match &d.kind {
            NodeKind::Null => {}
            NodeKind::Seq(items) => {
                for (i, it) in items.iter().enumerate() {
                    v.rule_item(it, &format!("<root>[{i}]"));
                }
            }
            _ => v.fail("<root>", "Value type not permitted by 'type' constraint."),
        }
    }
    if v.out.is_empty() {
        vec!["ok".to_string()]
    } else {
        v.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::yaml::parse_documents;

    fn check(src: &str) -> Vec<String> {
        validate(&parse_documents(src).expect("yaml"))
    }

    #[test]
    fn schema_checks() {
        assert_eq!(
            check("- rule: r\n  priority: WARNING\n  capture: true\n  capture_duration: 10\n"),
            vec!["ok"]
        );
        assert_ne!(check("- rule: r\n  priority: warning\n"), vec!["ok"]);
        assert_ne!(check("- rule: r\n  capture: \"yes\"\n"), vec!["ok"]);
        assert_ne!(
            check("- list: l\n  items: [a]\n  override_written_wrong: {items: append}\n"),
            vec!["ok"]
        );
        assert_eq!(
            check("- list: l\n  items: [a, 1]\n  priority: INFO\n"),
            vec!["ok"]
        );
        assert_ne!(
            check("- rule: r\n  exceptions:\n    - name: e\n      value: [a]\n"),
            vec!["ok"]
        );
        assert_ne!(check("- rule: r\n  override: {}\n"), vec!["ok"]);
        assert_eq!(
            check("- required_plugin_versions:\n    - name: container\n      version: 0.4.0\n"),
            vec!["ok"]
        );
    }
}
