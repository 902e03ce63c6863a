//! Command-line flags (clap derive). Nothing here does work: `main` hands [`Flags`] to the
//! composition in `app`.

use std::path::PathBuf;

use clap::Parser;

/// Exit codes, documented in `--help`.
pub(crate) mod exit {
    /// Success (alerts may have fired).
    pub(crate) const OK: u8 = 0;
    /// An error: unreadable or corrupt capture, invalid rules or configuration.
    pub(crate) const ERROR: u8 = 1;
    /// Bad command line (clap's own usage errors also exit 2).
    pub(crate) const USAGE: u8 = 2;
    /// `--fail-on PRIORITY`: an alert at or above that priority fired.
    pub(crate) const ALERT: u8 = 3;
}

const AFTER_HELP: &str = "\
Examples:
  replay trace.scap                                   default rules, Falco text alerts
  replay trace.scap --rules falco_rules.yaml --rules my_rules/
  replay a.scap b.scap.zst -o json_output=true        several files, in time order, JSON
  replay trace.scap --from +30s --to +2m --filter 'proc.name=bash' --summary
  replay trace.scap --process-tree
  replay trace.scap -c falco.yaml -o 'rules[].disable.tag=network'
  replay trace.scap --fail-on warning                 exit 3 if a Warning or worse fired
  replay trace.scap -p '%evt.num %proc.name %fd.name' 'evt.type=openat'
  replay --validate my_rules.yaml                     prints `my_rules.yaml: Ok`
  replay -L --rules falco_rules.yaml

Rules: with no --rules (and no rules_files in -c), the default ruleset built into the
binary (rules/harrier_rules.yaml) is used. A directory loads its *.yaml/*.yml files in
name order.

Configuration (-c FILE, -o key=value): falco.yaml key names: json_output,
json_include_output_property, json_include_tags_property, time_format_iso_8601, priority,
rule_matching, rules (enable/disable selection), append_output, stdout_output.enabled,
file_output.{enabled,keep_alive,filename}, program_output.{enabled,keep_alive,program},
http_output.{enabled,url,user_agent}, syslog_output.{enabled,socket}. -o accepts dotted
paths, a.b[1], rules[] (append) and {...} YAML values.

Output: alerts go to the enabled channels (stdout by default), then Falco's end-of-run lines
(Events detected, Rule counts by severity, Triggered rules by rule name) on stdout, or on
stderr with json_output so that stdout stays one JSON alert per line. -q omits them.

Exit codes:
  0  success
  1  error (unreadable/corrupt capture, invalid rules or configuration, failed channel
     setup); alerts from the events before the damage are still emitted
  2  usage error (bad flag or flag value)
  3  --fail-on PRIORITY: an alert at or above PRIORITY fired";

/// Offline Falco-rule evaluation, dumps and forensics over scap capture files.
#[derive(Debug, Parser)]
#[command(name = "replay", version, about, after_help = AFTER_HELP, disable_version_flag = true)]
pub(crate) struct Flags {
    /// Print the version.
    #[arg(long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,

    /// Capture files (plain, gzip or zstd scap); several are merged in time order.
    #[arg(value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,

    /// Rules file or directory (repeatable, loaded in order; later files override).
    #[arg(short = 'r', long = "rules", value_name = "PATH")]
    pub(crate) rules: Vec<PathBuf>,

    /// falco.yaml-style configuration file.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Override a configuration key (repeatable): -o json_output=true.
    #[arg(short = 'o', long = "option", value_name = "KEY=VALUE")]
    pub(crate) options: Vec<String>,

    /// Shorthand for -o json_output=true.
    #[arg(long)]
    pub(crate) json: bool,

    /// Only events at or after TIME: RFC 3339 (2024-05-01T10:00:00Z) or relative to the
    /// capture start (+10s, +1m30s, +250ms).
    #[arg(long, value_name = "TIME")]
    pub(crate) from: Option<String>,

    /// Only events before TIME (same forms as --from).
    #[arg(long, value_name = "TIME")]
    pub(crate) to: Option<String>,

    /// Evaluate rules only on events matching this Falco condition.
    #[arg(long, value_name = "COND")]
    pub(crate) filter: Option<String>,

    /// hosts(5)-style file (`IP name...`) naming server addresses for `fd.sip.name` and
    /// friends (an offline replay cannot ask DNS).
    #[arg(long, value_name = "FILE")]
    pub(crate) hosts: Option<PathBuf>,

    /// Print tables at the end: events, alerts per rule and priority, top processes,
    /// files, connections and syscalls.
    #[arg(long)]
    pub(crate) summary: bool,

    /// Print the capture's process tree, marking processes that raised alerts.
    #[arg(long = "process-tree")]
    pub(crate) process_tree: bool,

    /// Exit with code 3 when an alert at or above PRIORITY fired.
    #[arg(long = "fail-on", value_name = "PRIORITY")]
    pub(crate) fail_on: Option<String>,

    /// Validate rules files (Falco's -V): prints `<file>: Ok` per file; exit 1 on any error.
    #[arg(short = 'V', long = "validate", value_name = "FILE", num_args = 1..)]
    pub(crate) validate: Vec<PathBuf>,

    /// List the loaded rules with priority, tags and event types.
    #[arg(short = 'L', long = "list")]
    pub(crate) list: bool,

    /// List the supported fields.
    #[arg(long = "list-fields")]
    pub(crate) list_fields: bool,

    /// Dump mode, as sysdig's: print FORMAT for every event matching FILTER.
    #[arg(short = 'p', long = "print", value_name = "FORMAT", num_args = 1..=2,
          value_names = ["FORMAT", "FILTER"])]
    pub(crate) print: Vec<String>,

    /// Progress bar on stderr (bytes read, events/s, alerts so far): auto (drawn only when
    /// stderr is a terminal) or never.
    #[arg(long, value_name = "WHEN", default_value = "auto",
          value_parser = ["auto", "never"])]
    pub(crate) progress: String,

    /// Do not print the end-of-run summary lines (Events detected, rule counts).
    #[arg(short = 'q', long)]
    pub(crate) quiet: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_valid() {
        Flags::command().debug_assert();
    }

    #[test]
    fn parses_dump_and_rules() {
        let f = Flags::try_parse_from([
            "replay",
            "a.scap",
            "-p",
            "%evt.num",
            "evt.type=open",
            "--rules",
            "x.yaml",
            "-r",
            "dir",
        ])
        .unwrap();
        assert_eq!(f.files, [PathBuf::from("a.scap")]);
        assert_eq!(f.print, ["%evt.num", "evt.type=open"]);
        assert_eq!(f.rules.len(), 2);
        let f = Flags::try_parse_from(["replay", "-V", "a.yaml", "b.yaml"]).unwrap();
        assert_eq!(f.validate.len(), 2);
        assert!(Flags::try_parse_from(["replay", "--bogus"]).is_err());
    }
}
