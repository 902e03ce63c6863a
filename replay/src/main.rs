//! `replay`: offline Falco-rule evaluation, sysdig-style dumps and forensics over scap
//! capture files. `main` only parses the command line ([`flags`]) and hands over to the
//! composition in [`app`].

mod app;
mod eval;
mod flags;
mod rulesrc;
mod summary;
mod tree;
mod window;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let flags = flags::Flags::parse();
    ExitCode::from(app::run(flags))
}
