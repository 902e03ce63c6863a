//! Semantic checks of the generated event tables.

#[test]
fn tables_agree_with_tsv_semantics() {
    use scap_abi::event::{self, ids, Direction, ParamType};
    assert_eq!(event::EVENTS_E5C53D64.len(), 336);
    assert_eq!(event::EVENTS_MASTER.len(), 454);
    assert_eq!(ids::OPENAT_X, 307);
    assert_eq!(ids::EXECVE_X, 293);
    assert_eq!(ids::CLONE_X, 223);
    assert_eq!(ids::CONTAINER_E, 324);
    assert!(event::info(324).unwrap().large_payload());
    assert!(!event::info(307).unwrap().large_payload());
    let ox = event::info_e5c53d64(307).unwrap();
    assert_eq!(ox.dir, Direction::Exit);
    assert_eq!(ox.params[2].ty, ParamType::Fsrelpath);
    assert_eq!(ox.params[2].aux, event::ParamAux::DirFd(1));
    assert_eq!(event::ppm_sc_name(76), Some("init_module"));
    // Direction follows the id parity for every real (non-placeholder) row.
    for (i, e) in event::EVENTS_MASTER.iter().enumerate() {
        assert_eq!(e.dir, Direction::of(i as u16), "id {i}");
    }
}

#[test]
fn master_extends_e5c53d64_positionally() {
    // Decoding with the master table is only sound if, for every id both tables know,
    // the common prefix of parameters has the same widths. Record the exceptions.
    use scap_abi::event;
    let mut mismatches = Vec::new();
    for id in 0..336u16 {
        let a = event::info_e5c53d64(id).unwrap();
        let b = event::info(id).unwrap();
        for (i, (pa, pb)) in a.params.iter().zip(b.params.iter()).enumerate() {
            if pa.ty.fixed_len() != pb.ty.fixed_len() {
                mismatches.push((id, i, pa.name, pa.ty.name(), pb.name, pb.ty.name()));
            }
        }
    }
    assert!(mismatches.is_empty(), "layout changes between tables: {mismatches:?}");
}
