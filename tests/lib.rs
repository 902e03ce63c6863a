//! Helpers shared by the integration tests (fixture paths, locating sysdig and our binaries).
