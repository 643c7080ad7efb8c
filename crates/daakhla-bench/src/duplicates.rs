//! Looking for duplicate households in one reference union council: the check the survey
//! wizard makes before a household is saved (one village), and the coordinator's whole list
//! (every pair in every village).

use daakhla_domain::ids::HouseholdId;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

pub const HEADING: &str = "## Likely duplicate households";

const RUNS: usize = 7;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn timed<T>(mut work: impl FnMut() -> T) -> (T, Duration) {
    work();
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        last = Some(work());
        times.push(start.elapsed());
    }
    (last.expect("runs"), median(times))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The section for BENCHMARKS.md: one reference union council written by the `daakhla` binary.
pub fn section(daakhla: &Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("uc.sqlite");
    for args in [&["init"][..], &["demo", "campaign", "--ucs", "1"]] {
        let run = crate::device_command(daakhla)
            .arg("--store")
            .arg(&path)
            .args(args)
            .output()
            .unwrap();
        assert!(run.status.success(), "daakhla {args:?}");
    }
    let store = crate::open_device_store(&path);
    let households = store.households(None, None).unwrap();
    let mut by_village: std::collections::BTreeMap<&str, Vec<HouseholdId>> = Default::default();
    for h in &households {
        by_village.entry(&h.village_code).or_default().push(h.id);
    }
    let (largest, ids) = by_village.iter().max_by_key(|(_, ids)| ids.len()).unwrap();
    let newcomer = store.survey(ids[ids.len() / 2]).unwrap();
    let mut unsaved = newcomer.clone();
    unsaved.household.id = HouseholdId::new();
    let (matches, one_check) = timed(|| store.likely_duplicates_of(&unsaved).unwrap());
    let (pairs, whole_list) = timed(|| store.duplicate_pairs(None).unwrap());

    let mut out = String::new();
    writeln!(
        out,
        "{HEADING}\n\nMeasured by `scripts/bench` on {}, on {}: a store holding one reference union \
         council ({} households in {} villages; the largest, {largest}, has {}), median of {RUNS} \
         runs after one to warm up. The check before saving compares the survey with every \
         household of its village; the review list compares every pair in every village.\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        crate::machine(),
        households.len(),
        by_village.len(),
        ids.len(),
    )
    .unwrap();
    writeln!(out, "| what | time | found |\n| --- | ---: | ---: |").unwrap();
    writeln!(
        out,
        "| before saving: a copy of one of the largest village's households | {} | {} likely duplicate(s) |",
        ms(one_check),
        matches.len()
    )
    .unwrap();
    writeln!(
        out,
        "| the coordinator's list for the whole union council | {} | {} pair(s) |",
        ms(whole_list),
        pairs.len()
    )
    .unwrap();
    writeln!(
        out,
        "\nThe generated campaign has no household surveyed twice, so the pairs listed are \
         households that merely look alike (its names come from short lists: the same head's \
         name and a child of the same name, sex and age): {} of the {} pairs compared.",
        pairs.len(),
        compared(&by_village)
    )
    .unwrap();
    out
}

fn compared(by_village: &std::collections::BTreeMap<&str, Vec<HouseholdId>>) -> usize {
    by_village
        .values()
        .map(|ids| ids.len() * (ids.len() - 1) / 2)
        .sum()
}
