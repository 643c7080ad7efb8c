//! The benchmark command keeps working: a quick run at small sizes writes every section.
//! (Figures are not checked: speed is shown in BENCHMARKS.md, not asserted in tests.)

mod support;

#[test]
fn the_benchmark_runs_and_writes_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("BENCHMARKS.md");
    let run = std::process::Command::new(support::binary("daakhla-bench"))
        .arg("--quick")
        .arg("--daakhla")
        .arg(support::daakhla_binary())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report = std::fs::read_to_string(out).unwrap();
    for section in [
        "## Bytes on the wire",
        "## One union council to a fresh device",
        "## Incremental sync",
        "## Sync packs",
        "## The server under load",
    ] {
        assert!(report.contains(section), "{section} missing:\n{report}");
    }
}
