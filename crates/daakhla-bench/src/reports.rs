//! Report timings over the reference campaign (the seeds' 152 union councils, 1.8 million
//! records), on the server's SQLite and on PostgreSQL: what a dashboard waits for.

use daakhla_reports::ReportRequest;
use daakhla_server::scratch::Scratch;
use daakhla_server::{Device, Role, Server};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

pub const HEADING: &str = "## Reports over the reference campaign";

/// Runs of each report; the median is quoted, and the slowest.
const RUNS: usize = 7;

/// What is timed: a label and how to ask for it.
enum Ask {
    Report(Option<String>),
    Children(String),
    Child(String),
}

struct Timed {
    label: String,
    median: Duration,
    slowest: Duration,
}

fn time(server: &Server, reader: &Device, ask: &Ask) -> (Duration, Duration) {
    let once = || {
        let started = Instant::now();
        match ask {
            Ask::Report(area) => {
                let request = ReportRequest {
                    area: area.clone(),
                    ..Default::default()
                };
                server.report(reader, &request).unwrap();
            }
            Ask::Children(village) => {
                server.report_children(reader, village).unwrap();
            }
            Ask::Child(id) => {
                server.report_child(reader, id).unwrap();
            }
        }
        started.elapsed()
    };
    once(); // warm the caches, as a dashboard in use has them
    let mut runs: Vec<Duration> = (0..RUNS).map(|_| once()).collect();
    runs.sort();
    (runs[RUNS / 2], runs[RUNS - 1])
}

/// Loads the whole campaign into `scratch` and times each report there.
fn measure(scratch: &Scratch, ucs: Option<usize>) -> (Duration, Vec<Timed>) {
    let server = Server::open(scratch.location()).unwrap();
    let started = Instant::now();
    daakhla_server::reference::load_reference_campaign(&server, ucs, &mut |done, of| {
        eprint!("\rreference campaign: {done} of {of} union councils")
    })
    .unwrap();
    eprintln!();
    let load = started.elapsed();
    let (admin, _) = server
        .add_device("bench", Role::Admin, &["*".into()])
        .unwrap();
    // The first district, union council and village with records, as a supervisor drills down.
    let everywhere = server.report(&admin, &ReportRequest::default()).unwrap();
    let province = everywhere.parts[0].place.clone();
    let area = |code: &str| ReportRequest {
        area: Some(code.into()),
        ..Default::default()
    };
    let district = server.report(&admin, &area(&province.code)).unwrap().parts[0]
        .place
        .clone();
    let uc = server.report(&admin, &area(&district.code)).unwrap().parts[0]
        .place
        .clone();
    let village = server.report(&admin, &area(&uc.code)).unwrap().parts[0]
        .place
        .clone();
    let children = server.report_children(&admin, &village.code).unwrap();
    let asks = [
        (
            "everywhere (152 union councils)".to_string(),
            Ask::Report(None),
        ),
        (
            format!("a province ({})", province.name_en),
            Ask::Report(Some(province.code)),
        ),
        (
            format!("**a district ({})**", district.name_en),
            Ask::Report(Some(district.code)),
        ),
        (
            format!("a union council ({})", uc.code),
            Ask::Report(Some(uc.code)),
        ),
        (
            format!("a village ({})", village.code),
            Ask::Report(Some(village.code.clone())),
        ),
        (
            format!("a village's out-of-school children ({})", children.len()),
            Ask::Children(village.code),
        ),
        (
            "a child's story".to_string(),
            Ask::Child(children[0].id.clone()),
        ),
    ];
    let timed = asks
        .into_iter()
        .map(|(label, ask)| {
            let (median, slowest) = time(&server, &admin, &ask);
            Timed {
                label,
                median,
                slowest,
            }
        })
        .collect();
    (load, timed)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// The section for BENCHMARKS.md; `ucs` limits the campaign (a quick run).
pub fn section(ucs: Option<usize>) -> String {
    let sqlite = Scratch::sqlite();
    let (sqlite_load, sqlite_times) = measure(&sqlite, ucs);
    let postgres = Scratch::postgres().map(|scratch| measure(&scratch, ucs));
    let mut out = String::new();
    writeln!(
        out,
        "{HEADING}\n\n\
         Measured on {}, on {}. The seeds' campaign ({}; `daakhla-server reference`) loaded into a server, and each report \
         asked of it as an admin sees it: the median of {RUNS} runs after one to warm up, and the \
         slowest. A dashboard view is one report. The district (in bold) is what a district \
         supervisor's dashboard waits for: the goal is under 200 ms on both databases.\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        crate::machine(),
        match ucs {
            None => "152 union councils, 1.8 million records".to_string(),
            Some(n) => format!("its first {n} union councils only: a quick run"),
        },
    )
    .unwrap();
    writeln!(
        out,
        "| report | SQLite median | SQLite slowest | PostgreSQL median | PostgreSQL slowest |\n| --- | ---: | ---: | ---: | ---: |"
    )
    .unwrap();
    for (i, t) in sqlite_times.iter().enumerate() {
        let (pg_median, pg_slowest) = match &postgres {
            Some((_, times)) => (ms(times[i].median), ms(times[i].slowest)),
            None => ("not run".into(), String::new()),
        };
        writeln!(
            out,
            "| {} | {} | {} | {pg_median} | {pg_slowest} |",
            t.label,
            ms(t.median),
            ms(t.slowest)
        )
        .unwrap();
    }
    writeln!(
        out,
        "\nLoading the campaign as rows (generating it included): SQLite {:.0} s, PostgreSQL {}.",
        sqlite_load.as_secs_f64(),
        postgres.as_ref().map_or(
            "not run (no DATABASE_URL)".to_string(),
            |(load, _)| format!("{:.0} s", load.as_secs_f64())
        )
    )
    .unwrap();
    out
}
