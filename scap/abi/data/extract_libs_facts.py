#!/usr/bin/env python3
"""Extract facts (numbers and names only) from falcosecurity/libs e5c53d64 into TSV files.

Usage: extract_libs_facts.py LIBS_GIT_DIR UNISTD_64_H OUT_DIR
  LIBS_GIT_DIR  a clone of falcosecurity/libs containing commit e5c53d64
  UNISTD_64_H   the x86_64 <asm/unistd_64.h> giving __NR_* numbers

Writes:
  syscalls-x86_64-e5c53d64.tsv   nr, name, ppm_sc, enter id, exit id, UF_* flags
  param-format-e5c53d64.tsv      event id, param index, name, PT type, PF format, flag table
  flag-tables-e5c53d64.tsv       table name, position, symbol, value (libsinsp scan order)
The Rust tables in ../src are generated from these by ../tests/gen_tables.rs.
"""
import re
import subprocess
import sys

COMMIT = "e5c53d648f3c4694385bbe488e7d47eaa36c229a"


def show(git, path):
    return subprocess.run(["git", "-C", git, "show", f"{COMMIT}:{path}"], check=True,
                          capture_output=True, text=True).stdout


def c_int(expr, defs):
    expr = expr.strip()
    expr = re.sub(r"\b([A-Za-z_][A-Za-z0-9_]*)\b", lambda m: str(defs[m.group(1)]) if m.group(1) in defs else m.group(1), expr)
    expr = re.sub(r"(\d+)U?L*\b", r"\1", expr)
    expr = expr.replace("~", "~")
    return int(eval(expr, {}, {}))


def main():
    git, unistd, out = sys.argv[1:4]
    nr = {}
    for line in open(unistd):
        m = re.match(r"#define __NR_(\w+)\s+(\d+)", line)
        if m:
            nr[m.group(1)] = int(m.group(2))
    hdr = show(git, "driver/ppm_events_public.h")
    # enums and defines
    defs = {}
    for m in re.finditer(r"^\s*(PPME_\w+|PPM_SC_\w+)\s*=\s*(\d+)", hdr, re.M):
        defs[m.group(1)] = int(m.group(2))
    pending = {}
    for m in re.finditer(r"^#define\s+(PPM_\w+)\s+(.+?)\s*(?:/\*.*)?$", hdr, re.M):
        pending[m.group(1)] = m.group(2).strip()
    for _ in range(5):
        for k, v in list(pending.items()):
            try:
                defs[k] = c_int(v, defs)
                del pending[k]
            except Exception:
                pass
    ufl = {"UF_USED": 1, "UF_NEVER_DROP": 2, "UF_ALWAYS_DROP": 4, "UF_SIMPLEDRIVER_KEEP": 8}
    src = show(git, "driver/syscall_table.c")
    src = src.split("#ifdef CONFIG_IA32_EMULATION")[0]
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    evt_part, route_part = src.split("g_syscall_code_routing_table")
    rows = {}
    for m in re.finditer(r"\[__NR_(\w+) - SYSCALL_TABLE_ID0\]\s*=\s*\{([^}]*)\}", evt_part):
        name = m.group(1)
        if name not in nr:
            continue
        fl, e, x = [s.strip() for s in m.group(2).split(",")]
        flags = 0
        for f in fl.split("|"):
            flags |= ufl[f.strip()]
        rows[nr[name]] = [name, 0, defs[e], defs[x], flags]
    for m in re.finditer(r"\[__NR_(\w+) - SYSCALL_TABLE_ID0\]\s*=\s*(PPM_SC_\w+)", route_part):
        name = m.group(1)
        if name not in nr:
            continue
        n = nr[name]
        if n not in rows:
            rows[n] = [name, 0, 0, 1, 0]
        rows[n][1] = defs[m.group(2)]
    with open(f"{out}/syscalls-x86_64-e5c53d64.tsv", "w") as f:
        f.write("# x86_64 nr\tname\tPPM_SC\tenter\texit\tUF_flags (1 USED, 2 NEVER_DROP, 4 ALWAYS_DROP, 8 SIMPLEDRIVER_KEEP)"
                " -- driver/syscall_table.c at libs e5c53d64; rows absent here are emitted as generic 0/1 with PPM_SC 0\n")
        by_nr = {v: k for k, v in nr.items()}
        for n in range(512):
            if n in rows:
                name, sc, e, x, fl = rows[n]
                f.write(f"{n}\t{name}\t{sc}\t{e}\t{x}\t{fl}\n")
            elif n in by_nr:
                f.write(f"{n}\t{by_nr[n]}\t0\t0\t1\t0\n")
    # flag tables
    ft = show(git, "driver/flags_table.c")
    ft = re.sub(r"#ifndef CONFIG_64BIT.*?#endif", "", ft, flags=re.S)
    with open(f"{out}/flag-tables-e5c53d64.tsv", "w") as f:
        f.write("# table\tpos\tsymbol\tvalue -- driver/flags_table.c at libs e5c53d64 (x86_64), in scan order\n")
        for m in re.finditer(r"ppm_name_value (\w+)\[\] = \{(.*?)\n\};", ft, re.S):
            pos = 0
            for e in re.finditer(r'\{"([^"]+)",\s*([^}]+)\}', m.group(2)):
                f.write(f"{m.group(1)}\t{pos}\t{e.group(1)}\t{c_int(e.group(2), defs)}\n")
                pos += 1
    # param print formats and flag tables
    et = show(git, "driver/event_table.c")
    with open(f"{out}/param-format-e5c53d64.tsv", "w") as f:
        f.write("# event id\tparam idx\tname\ttype\tprint format\tinfo (flag table, DIRFD_PARAM(n) or dyn table)"
                " -- driver/event_table.c at libs e5c53d64\n")
        for eid, m in enumerate(re.finditer(r"/\* (PPME_\w+) \*/\s*\{(.*)\}\s*,?\s*$", et, re.M)):
            body = m.group(2)
            nparams = int(re.match(r'\s*"[^"]*",\s*[^,]+,\s*[^,]+,\s*(\d+)', body).group(1))
            plist = list(re.finditer(r'\{\s*"([^"]+)",\s*(PT_\w+),\s*(PF_\w+)(?:,\s*([^}]+?))?\s*\}', body))[:nparams]
            for i, p in enumerate(plist):
                f.write(f"{eid}\t{i}\t{p.group(1)}\t{p.group(2)}\t{p.group(3)}\t{(p.group(4) or '').strip()}\n")

    emit_rust(out, rows, defs, hdr, ft, et, nr)


PF = {"PF_NA": "Na", "PF_DEC": "Dec", "PF_HEX": "Hex", "PF_10_PADDED_DEC": "PaddedDec",
      "PF_ID": "Id", "PF_DIR": "Dir", "PF_OCT": "Oct"}


def emit_rust(out, rows, defs, hdr, ft, et, nr):
    src = out + "/../src/"
    head = ("// @generated by scap/abi/data/extract_libs_facts.py from falcosecurity/libs e5c53d64;\n"
            "// do not edit. The data TSVs beside the generator hold the same facts; tests check both.\n\n")
    with open(src + "syscall_table_gen.rs", "w") as f:
        f.write(head)
        f.write("/// The x86_64 syscall table of the e5c53d64 kernel module, indexed by syscall number.\n")
        f.write("pub static SYSCALLS_X86_64: [SyscallInfo; TABLE_SIZE] = [\n")
        by = dict(rows)
        for name, n in nr.items():
            if n < 512 and n not in by:
                by[n] = [name, 0, 0, 1, 0]
        for n in range(512):
            if n in by:
                name, sc, e, x, fl = by[n]
                f.write(f"    /* {n} */ SyscallInfo {{ name: \"{name}\", ppm_sc: {sc}, enter: {e}, exit: {x}, flags: {fl} }},\n")
            else:
                f.write(f"    /* {n} */ UNKNOWN,\n")
        f.write("];\n")
    # flag tables
    tables = []
    for m in re.finditer(r"ppm_name_value (\w+)\[\] = \{(.*?)\n\};", ft, re.S):
        ents = [(e.group(1), e.group(2).strip()) for e in re.finditer(r'\{"([^"]+)",\s*([^}]+)\}', m.group(2))]
        tables.append((m.group(1), ents))
    consts = {}
    for _, ents in tables:
        for sym, expr in ents:
            if re.fullmatch(r"PPM_\w+", expr):
                consts[expr] = (defs[expr], sym)
    extras = ["PPM_AT_FDCWD", "PPM_AT_REMOVEDIR", "PPM_AT_SYMLINK_FOLLOW", "PPM_AT_EMPTY_PATH"]
    extras += sorted(k for k in defs if k.startswith("PPM_CL_"))
    for extra in extras:
        if extra in defs and extra not in consts:
            consts[extra] = (defs[extra], None)
    with open(src + "flags_table_gen.rs", "w") as f:
        f.write(head)
        for k in sorted(consts, key=lambda k: (k.split("_")[1], consts[k][0], k)):
            v, sym = consts[k]
            ty = "i64" if v < 0 else "u32"
            doc = f"/// `{k}`" + (f", rendered `{sym}`." if sym else ".")
            f.write(f"{doc}\npub const {k.upper()}: {ty} = {v};\n")
        f.write("\n")
        for name, ents in tables:
            f.write(f"/// libsinsp flag table `{name}`, in the order the renderer scans it.\n")
            f.write(f"pub static {name.upper()}: FlagTable = FlagTable {{ name: \"{name}\", entries: &[\n")
            for sym, expr in ents:
                f.write(f"    FlagName {{ name: \"{sym}\", value: {c_int(expr, defs) & 0xffffffff} }},\n")
            f.write("] };\n")
        f.write("\n/// Every flag table, by libsinsp name.\n")
        f.write(f"pub static FLAG_TABLES: [&FlagTable; {len(tables)}] = [{', '.join('&' + n.upper() for n, _ in tables)}];\n\n")
        f.write("/// Print format and flag table of every parameter of every event id (0..336) of\n")
        f.write("/// libs e5c53d64, indexed `[event id][param index]`.\n")
        f.write("pub static PARAM_FORMATS: [&[ParamFormat]; 336] = [\n")
        for eid, m in enumerate(re.finditer(r"/\* (PPME_\w+) \*/\s*\{(.*)\}\s*,?\s*$", et, re.M)):
            ps = []
            body = m.group(2)
            nparams = int(re.match(r'\s*"[^"]*",\s*[^,]+,\s*[^,]+,\s*(\d+)', body).group(1))
            for p in list(re.finditer(r'\{\s*"([^"]+)",\s*(PT_\w+),\s*(PF_\w+)(?:,\s*([^}]+?))?\s*\}', body))[:nparams]:
                info = (p.group(4) or "").strip()
                tbl = f"Some(&{info.upper()})" if info and info in [t for t, _ in tables] else "None"
                ps.append(f"ParamFormat {{ fmt: PrintFormat::{PF[p.group(3)]}, flags: {tbl} }}")
            f.write(f"    /* {eid} */ &[{', '.join(ps)}],\n")
        f.write("];\n")


main()
