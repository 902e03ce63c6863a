//! `gen-abi-header [OUT]`: writes the eBPF probe's C view of scap-abi
//! (`ebpf/probe/harrier_abi.h`) to OUT, or to stdout. The text comes from
//! `harrier_ebpf::abi_header::generate`, whose test fails when the checked-in copy is stale.

use anyhow::{Context, Result};

fn main() -> Result<()> {
    let text = harrier_ebpf::abi_header::generate()?;
    match std::env::args_os().nth(1) {
        Some(p) => std::fs::write(&p, text)
            .with_context(|| format!("writing {}", std::path::Path::new(&p).display()))?,
        None => print!("{text}"),
    }
    Ok(())
}
