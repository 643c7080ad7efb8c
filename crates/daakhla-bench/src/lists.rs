//! The field app's lists on one reference union council (2,439 households, 1,393 children
//! to follow up): the commands the follow-up list, search and home screens call, timed in
//! this process on the store the `daakhla` binary writes, and the browser's time to draw the
//! follow-up list's first page as `ui/tests/e2e/lists.test.mjs` measured it (it writes
//! `followups-render.json` into the cargo target directory).

use daakhla_app::{App, FollowUpListRequest, NoInput, SearchRequest};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

pub const HEADING: &str = "## Lists at a union council's size";

const RUNS: usize = 7;

fn timed<T>(mut work: impl FnMut() -> T) -> (T, Duration) {
    work();
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        last = Some(work());
        times.push(start.elapsed());
    }
    times.sort();
    (last.expect("runs"), times[RUNS / 2])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The section for BENCHMARKS.md; `render` is the e2e test's figure file, if it ran.
pub fn section(daakhla: &Path, render: Option<&Path>) -> String {
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
    let app = App::open_or_create(&path, &crate::device_key()).unwrap();
    let all = FollowUpListRequest::default();
    let (first, list) = timed(|| app.follow_up_list(all.clone()).unwrap());
    let village = first.villages.iter().max_by_key(|v| v.count).unwrap();
    let one = FollowUpListRequest {
        village_code: Some(village.code.clone()),
        ..FollowUpListRequest::default()
    };
    let (_, list_village) = timed(|| app.follow_up_list(one.clone()).unwrap());
    let last = FollowUpListRequest {
        offset: Some(first.total.saturating_sub(50)),
        ..FollowUpListRequest::default()
    };
    let (_, list_last) = timed(|| app.follow_up_list(last.clone()).unwrap());
    let search = |text: &str| SearchRequest {
        text: text.into(),
        offset: None,
    };
    let (sana, search_sana) = timed(|| app.search(search("ثنا")).unwrap());
    let (number, search_number) = timed(|| app.search(search("17")).unwrap());
    let (today, home) = timed(|| app.today_work(NoInput {}).unwrap());
    let households = today.households;

    let mut out = String::new();
    writeln!(
        out,
        "{HEADING}\n\nMeasured by `scripts/bench` on {}, on {}: a store holding the reference \
         campaign's first union council ({households} households, {} children to follow up in {} \
         villages), each command as the app runs it (its JSON answer not included), median of \
         {RUNS} runs after one to warm up.\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        crate::machine(),
        first.total,
        first.villages.len(),
    )
    .unwrap();
    writeln!(out, "| what | time | answer |\n| --- | ---: | ---: |").unwrap();
    let mut row = |what: &str, d: Duration, answer: String| {
        writeln!(out, "| {what} | {} | {answer} |", ms(d)).unwrap();
    };
    row(
        "follow-up list, first page (every village)",
        list,
        format!(
            "{} of {} rows ({} overdue, {} due)",
            first.rows.len(),
            first.total,
            first.overdue,
            first.due
        ),
    );
    row(
        &format!("follow-up list, the largest village ({})", village.en),
        list_village,
        format!("{} children", village.count),
    );
    row("follow-up list, last page", list_last, "50 rows".into());
    row(
        "search \"ثنا\" (Urdu script and Roman Urdu alike)",
        search_sana,
        format!("{} of {} hits", sana.hits.len(), sana.total),
    );
    row(
        "search a household number",
        search_number,
        format!("{} hit(s)", number.total),
    );
    row(
        "home: today's work",
        home,
        format!("{households} households"),
    );
    match render.and_then(|p| std::fs::read_to_string(p).ok()) {
        Some(text) => {
            let figure: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let median = figure["median_ms"].as_f64().unwrap_or_default();
            let runs: Vec<String> = figure["runs_ms"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_f64())
                .map(|v| format!("{v:.0}"))
                .collect();
            writeln!(
                out,
                "\nIn the browser (Debian's chromium at 360×640 against `daakhla-app-http`, a \
                 debug build, `ui/tests/e2e/lists.test.mjs`): from the tap on the list to its first \
                 50 rows on screen, **{median:.0} ms** (median; runs {} ms). The budget is 300 ms.",
                runs.join(", ")
            )
            .unwrap();
        }
        None => writeln!(
            out,
            "\nThe browser's time to draw the list is measured by `ui/tests/e2e/lists.test.mjs`; \
             run it before `scripts/bench` to have it here."
        )
        .unwrap(),
    }
    out
}
