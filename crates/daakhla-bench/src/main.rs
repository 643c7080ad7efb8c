//! `scripts/bench`: measures sync on this machine and writes BENCHMARKS.md.
//!
//! Everything runs for real: stores are SQLite files, the server answers over loopback HTTP,
//! and the fresh device that receives a union council is the release `daakhla` binary in its
//! own process, so its peak memory can be read.

use daakhla_domain::geography::{Geography, Place};
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::validation::Context;
use daakhla_server::scratch::Scratch;
use daakhla_server::{Role, Server};
use daakhla_store::Store;
use daakhla_sync::pack::{self, Enrolment};
use daakhla_sync::{Remote, sync};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

mod app;
mod cipher;
mod duplicates;
mod lists;
mod reports;
mod server;

/// The key of every device store the bench makes: the `daakhla` and `daakhla-field` it runs
/// get it through `DAAKHLA_STORE_KEY`, the stores it opens itself through `device_key`.
/// Device stores are encrypted, as the app and the command line keep them.
const BENCH_KEY: &str = "b3cb3cb3cb3cb3cb3cb3cb3cb3cb3cb3cb3cb3cb3cb3cb3cb3cb3cb3cb3cb3cb";

/// Whether device stores are plain for now: the encryption section measures both.
static PLAIN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn plain() -> bool {
    PLAIN.load(std::sync::atomic::Ordering::SeqCst)
}

fn device_key() -> daakhla_store::StoreKey {
    daakhla_store::StoreKey::parse(BENCH_KEY).unwrap()
}

/// Creates a device store, encrypted unless `PLAIN`.
fn create_device_store(path: &Path) -> Store {
    if plain() {
        Store::create(path).unwrap()
    } else {
        Store::create_with_key(path, &device_key()).unwrap()
    }
}

/// Opens a device store, encrypted unless `PLAIN`.
fn open_device_store(path: &Path) -> Store {
    if plain() {
        Store::open(path).unwrap()
    } else {
        Store::open_with_key(path, &device_key()).unwrap()
    }
}

/// A `daakhla` (or any program that opens a device store) as the bench runs it: with the
/// bench's key, or `DAAKHLA_STORE_PLAIN` while `PLAIN`.
fn device_command(program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
    let mut command = std::process::Command::new(program);
    if plain() {
        command
            .env_remove("DAAKHLA_STORE_KEY")
            .env("DAAKHLA_STORE_PLAIN", "1");
    } else {
        command
            .env("DAAKHLA_STORE_KEY", BENCH_KEY)
            .env_remove("DAAKHLA_STORE_PLAIN");
    }
    command
}

/// The heading of BENCHMARKS.md's section on the field app, which this bench keeps.
const APP_SECTION: &str = "## The field app";

/// Schools in the measured union council, as the issue describes one.
const UC_SCHOOLS: usize = 30;

struct Sizes {
    wire_households: usize,
    uc_households: usize,
    /// The receiving store is grown to each of these record counts before a sync is measured.
    store_records: [u64; 2],
    incremental_households: usize,
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes = if quick {
        Sizes {
            wire_households: 100,
            uc_households: 300,
            store_records: [5_000, 20_000],
            incremental_households: 10,
        }
    } else {
        Sizes {
            wire_households: 1_000,
            uc_households: 5_000,
            store_records: [100_000, 1_000_000],
            incremental_households: 50,
        }
    };
    let daakhla = std::env::args()
        .skip_while(|a| a != "--daakhla")
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::current_exe().unwrap().with_file_name("daakhla"));
    let peer = std::env::args()
        .skip_while(|a| a != "--peer")
        .nth(1)
        .map(PathBuf::from);
    let out = std::env::args()
        .skip_while(|a| a != "--out")
        .nth(1)
        .unwrap_or_else(|| "BENCHMARKS.md".into());
    let old = std::fs::read_to_string(&out).unwrap_or_default();
    let arg = |name: &str| {
        std::env::args()
            .skip_while(|a| a != name)
            .nth(1)
            .map(PathBuf::from)
    };
    // The app's section needs its release binary; without one the old section is kept.
    let app = || {
        arg("--field").map(|field| {
            let dist = arg("--dist").unwrap_or_else(|| PathBuf::from("ui/dist"));
            app::section(&field, &daakhla, &dist)
        })
    };
    let flag = |name: &str| std::env::args().any(|a| a == name);
    let server_binary = arg("--server").unwrap_or_else(|| daakhla.with_file_name("daakhla-server"));
    let load = if quick {
        server::Load {
            devices: 20,
            households: 10,
            at_once: 5,
            per_uc: 5,
        }
    } else {
        server::Load {
            devices: 200,
            households: 50,
            at_once: 20,
            // The demo geography has 14 union councils.
            per_uc: 15,
        }
    };
    // The browser's render time of the follow-up list, as the e2e test left it.
    let render = arg("--render").or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR").map(|t| PathBuf::from(t).join("followups-render.json"))
    });
    let report = if flag("--only-cipher") {
        let households = arg("--households")
            .and_then(|n| n.to_str()?.parse().ok())
            .unwrap_or(if quick { 300 } else { 5_000 });
        splice(
            &old,
            cipher::HEADING,
            &cipher::section(&daakhla, households),
        )
    } else if flag("--only-reports") {
        // Only one section is measured again; the others stay as they were.
        splice(
            &old,
            reports::HEADING,
            &reports::section(quick.then_some(4)),
        )
    } else if flag("--only-duplicates") {
        splice(&old, duplicates::HEADING, &duplicates::section(&daakhla))
    } else if flag("--only-lists") {
        splice(
            &old,
            lists::HEADING,
            &lists::section(&daakhla, render.as_deref()),
        )
    } else if flag("--only-server") {
        splice(
            &old,
            server::HEADING,
            &server::section(&server_binary, sizes.uc_households, &load),
        )
    } else if flag("--only-sync") {
        // The sync sections, which open the file, up to the reports'.
        let rest = old.find(reports::HEADING).map_or("", |at| &old[at..]);
        format!(
            "{}\n\n{}",
            run(&sizes, &daakhla, peer.as_deref()).trim_end(),
            rest
        )
    } else if flag("--only-app") {
        splice(
            &old,
            app::HEADING,
            &app().expect("--only-app needs --field"),
        )
    } else {
        let reports = reports::section(quick.then_some(4));
        let duplicates = duplicates::section(&daakhla);
        let lists = lists::section(&daakhla, render.as_deref());
        let scale = server::section(&server_binary, sizes.uc_households, &load);
        let report = format!(
            "{}\n\n{reports}\n{duplicates}\n{lists}\n{scale}",
            run(&sizes, &daakhla, peer.as_deref()).trim_end()
        );
        let kept = old.find(APP_SECTION).map(|at| old[at..].to_string());
        match app().or(kept) {
            Some(app) => format!("{}\n\n{}", report.trim_end(), app.trim_end()),
            None => report,
        }
    };
    std::fs::write(&out, &report).unwrap();
    println!("{report}");
    eprintln!("written to {out}");
}

/// `doc` with the section under `heading` (up to the next `## `) replaced by `section`, or
/// with `section` added before the app's section when it has none.
fn splice(doc: &str, heading: &str, section: &str) -> String {
    let section = section.trim_end();
    match doc.find(heading) {
        Some(start) => {
            let rest = &doc[start + heading.len()..];
            let end = rest
                .find("\n## ")
                .map_or(doc.len(), |i| start + heading.len() + i + 1);
            format!("{}{section}\n\n{}", &doc[..start], &doc[end..])
                .trim_end()
                .to_string()
                + "\n"
        }
        None => match doc.find(APP_SECTION) {
            Some(at) => format!("{}{section}\n\n{}", &doc[..at], &doc[at..]),
            None => format!("{}\n\n{section}\n", doc.trim_end()),
        },
    }
}

fn ctx() -> Context {
    Context {
        today: chrono::Utc::now().date_naive(),
    }
}

fn reference() -> Geography {
    serde_json::from_str(daakhla_domain::geography::REFERENCE_JSON).unwrap()
}

/// Demo places: one union council per district, ten villages each.
fn places() -> Geography {
    daakhla_demo::demo_geography(&reference(), 1, 10)
}

/// The villages of the `n`-th demo union council.
fn villages_of_uc(geo: &Geography, n: usize) -> (String, Geography) {
    let uc = geo.union_councils[n].code.clone();
    let villages: Vec<Place> = geo
        .villages
        .iter()
        .filter(|v| v.parent.as_deref() == Some(uc.as_str()))
        .cloned()
        .collect();
    (
        uc,
        Geography {
            villages,
            ..Geography::default()
        },
    )
}

fn surveys(geo: &Geography, count: usize, seed: u64, first_number: u32) -> Vec<HouseholdSurvey> {
    let mut options = daakhla_demo::DemoOptions::new(seed, ctx().today);
    options.first_household_number = first_number;
    daakhla_demo::demo_surveys(geo, count, &options)
}

fn new_store(dir: &Path, name: &str) -> Store {
    let mut store = create_device_store(&dir.join(format!("{name}.sqlite")));
    store.import_geography(&reference(), &ctx()).unwrap();
    store.import_geography(&places(), &ctx()).unwrap();
    store.set_author(name);
    store
}

/// Grows a store to about `target` records with surveys of `villages` written on the device
/// itself and marked as sent, so a sync afterwards only receives.
fn grow(path: &Path, villages: &Geography, target: u64, next_number: &mut u32) {
    let mut store = open_device_store(path);
    store.set_author("filler");
    store.import_geography(&places(), &ctx()).unwrap();
    loop {
        let counts = store.counts().unwrap();
        let held = counts.records();
        if held >= target {
            break;
        }
        // About four records a household.
        let households = ((target - held) / 4).clamp(1, 10_000) as usize;
        eprintln!("growing the receiving store: {held} of {target} records");
        let batch = surveys(villages, households, u64::from(*next_number), *next_number);
        *next_number += households as u32;
        store.add_surveys(&batch, &ctx(), &mut |_| {}).unwrap();
    }
    store.mark_pushed(i64::MAX).unwrap();
}

/// Everything surveyed in one union council.
struct UcRecords {
    surveys: Vec<HouseholdSurvey>,
    follow_ups: Vec<daakhla_domain::followup::FollowUp>,
    schools: Vec<daakhla_domain::school::School>,
    needs: Vec<daakhla_domain::school::InfrastructureNeed>,
}

impl UcRecords {
    fn new(villages: &Geography, households: usize, seed: u64) -> UcRecords {
        let options = daakhla_demo::DemoOptions::new(seed, ctx().today);
        let surveys = surveys(villages, households, seed, 1);
        let follow_ups = daakhla_demo::demo_follow_ups(&surveys, &options);
        let schools = daakhla_demo::demo_schools(villages, UC_SCHOOLS, &options);
        let needs = daakhla_demo::demo_needs(&schools, &options);
        UcRecords {
            surveys,
            follow_ups,
            schools,
            needs,
        }
    }

    fn write_to(&self, store: &mut Store) {
        let ctx = ctx();
        store.add_surveys(&self.surveys, &ctx, &mut |_| {}).unwrap();
        store
            .add_follow_ups(&self.follow_ups, &ctx, &mut |_| {})
            .unwrap();
        store
            .save_schools(&self.schools, &ctx, &mut |_| {})
            .unwrap();
        store.save_needs(&self.needs, &ctx, &mut |_| {}).unwrap();
    }
}

/// Pushes a union council to a server on PostgreSQL (a scratch schema in `DATABASE_URL`) from
/// a store of its own; returns the seconds the push took, or none without a database.
fn postgres_ingest(dir: &Path, uc: &UcRecords) -> Option<f64> {
    let scratch = Scratch::postgres()?;
    let server = Arc::new(Server::open(scratch.location()).unwrap());
    server.import_geography(&places()).unwrap();
    let running = daakhla_server::spawn(server.clone(), "127.0.0.1:0").unwrap();
    let (_, token) = server
        .add_device("sender", Role::Coordinator, &["*".to_string()])
        .unwrap();
    let mut sender = new_store(dir, "sender-postgres");
    uc.write_to(&mut sender);
    let started = Instant::now();
    sync(
        &mut sender,
        &Remote::new(&running.url(), &token),
        &mut |_| {},
    )
    .unwrap();
    Some(started.elapsed().as_secs_f64())
}

fn gzip(bytes: &[u8]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap().len()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
            })
        })
        .unwrap_or(0);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!(
        "{cpu}, {cores} cores, {:.0} GiB",
        memory as f64 / 1024.0 / 1024.0
    )
}

/// What one run of the `daakhla` binary printed, how long it took, and its peak resident
/// memory in MiB. GNU time reports the peak: measuring from this process would count the
/// pages a fork shares with it, and this process holds a whole union council's test data.
struct Measured {
    stdout: Vec<u8>,
    seconds: f64,
    peak_mib: f64,
}

/// `daakhla sync` of the store at `store`, in its own process, measured.
fn device_sync(daakhla: &Path, store: &Path, url: &str, token: &str) -> Measured {
    let args = [
        "--store".as_ref(),
        store.as_os_str(),
        "--json".as_ref(),
        "sync".as_ref(),
        "--server".as_ref(),
        url.as_ref(),
        "--token".as_ref(),
        token.as_ref(),
    ];
    measure(daakhla, &args)
}

fn measure(daakhla: &Path, args: &[&std::ffi::OsStr]) -> Measured {
    let started = Instant::now();
    let output = device_command("/usr/bin/time")
        .args(["-f", "peak-kib %M"])
        .arg(daakhla)
        .args(args)
        .output()
        .expect("GNU time (Debian package `time`; scripts/bench installs it)");
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "daakhla failed: {stderr}");
    let peak_kib: f64 = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("peak-kib "))
        .next_back()
        .and_then(|v| v.trim().parse().ok())
        .expect("GNU time reports the peak");
    Measured {
        stdout: output.stdout,
        seconds,
        peak_mib: peak_kib / 1024.0,
    }
}

/// Daakhla's figures for one sync, for the side-by-side table.
struct Side {
    records: u64,
    seconds: f64,
    bytes: u64,
}

/// The same records through an automerge-repo sync server (peer/peer.mjs): one
/// document per record, fetched by a fresh client over loopback.
/// Households in the union council compared with automerge-repo: at the full 5,000 the peer
/// did not finish on this machine (see BENCHMARKS.md), so both sync this smaller one.
const PEER_HOUSEHOLDS: usize = 300;
const PEER_NEW_HOUSEHOLDS: usize = 10;

/// The same records through Daakhla and through automerge-repo, each to a fresh device: a
/// whole (small) union council, then a few new households.
fn peer_comparison(peer: &Path, dir: &Path, daakhla: &Path) -> String {
    let dir = dir.join("peer-comparison");
    std::fs::create_dir_all(&dir).unwrap();
    let server = Arc::new(Server::open(dir.join("server")).unwrap());
    server.import_geography(&places()).unwrap();
    let running = daakhla_server::spawn(server.clone(), "127.0.0.1:0").unwrap();
    let token = |name: &str| {
        server
            .add_device(name, Role::Coordinator, &["*".to_string()])
            .unwrap()
            .1
    };
    let (_, villages) = villages_of_uc(&places(), 3);
    let base = surveys(&villages, PEER_HOUSEHOLDS, 5, 1);
    let follow_ups =
        daakhla_demo::demo_follow_ups(&base, &daakhla_demo::DemoOptions::new(5, ctx().today));
    let mut sender = new_store(&dir, "sender");
    sender.add_surveys(&base, &ctx(), &mut |_| {}).unwrap();
    sender
        .add_follow_ups(&follow_ups, &ctx(), &mut |_| {})
        .unwrap();
    let sender_remote = Remote::new(&running.url(), &token("sender"));
    sync(&mut sender, &sender_remote, &mut |_| {}).unwrap();
    let base_records: Vec<String> = sender
        .snapshot()
        .unwrap()
        .into_values()
        .map(|shown| shown.split(" @").next().unwrap_or_default().to_string())
        .collect();

    let fresh = dir.join("fresh.sqlite");
    let init = device_command(daakhla)
        .arg("--store")
        .arg(&fresh)
        .arg("init")
        .output()
        .unwrap();
    assert!(init.status.success());
    let (url, fresh_token) = (running.url(), token("fresh"));
    let receive = || {
        let got = device_sync(daakhla, &fresh, &url, &fresh_token);
        let summary: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
        (got.seconds, summary["bytes_received"].as_u64().unwrap_or(0))
    };
    let (seconds, bytes) = receive();
    let whole = Side {
        records: base_records.len() as u64,
        seconds,
        bytes,
    };
    let new = surveys(
        &villages,
        PEER_NEW_HOUSEHOLDS,
        77,
        PEER_HOUSEHOLDS as u32 + 1,
    );
    sender.add_surveys(&new, &ctx(), &mut |_| {}).unwrap();
    sync(&mut sender, &sender_remote, &mut |_| {}).unwrap();
    let later: Vec<String> = new
        .iter()
        .flat_map(|s| {
            std::iter::once(serde_json::to_string(&s.household).unwrap())
                .chain(s.children.iter().map(|c| serde_json::to_string(c).unwrap()))
        })
        .collect();
    let (seconds, bytes) = receive();
    let incremental = Side {
        records: later.len() as u64,
        seconds,
        bytes,
    };
    side_by_side(peer, &dir, &base_records, &later, &whole, &incremental)
}

fn side_by_side(
    peer: &Path,
    dir: &Path,
    base: &[String],
    later: &[String],
    uc: &Side,
    incremental: &Side,
) -> String {
    let file = dir.join("peer-records.jsonl");
    let lines: String = base.iter().chain(later).map(|r| format!("{r}\n")).collect();
    std::fs::write(&file, lines).unwrap();
    let peer_dir = dir.join("peer");
    std::fs::create_dir_all(&peer_dir).unwrap();
    let started = Instant::now();
    let output = std::process::Command::new("node")
        .arg(peer)
        .arg("--records")
        .arg(&file)
        .args(["--base", &base.len().to_string(), "--dir"])
        .arg(&peer_dir)
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            return format!(
                "## Side by side with automerge-repo\n\nThe peer failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        Err(e) => {
            return format!(
                "## Side by side with automerge-repo\n\nNot run: {e} (Node.js is needed)."
            );
        }
    };
    let took = started.elapsed().as_secs_f64();
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let row = |label: &str, ours: &Side, theirs: &serde_json::Value| {
        let their_bytes = theirs["bytes"].as_u64().unwrap_or(0);
        format!(
            "| {label} ({} records) | {:.2} s | {:.2} s | {} ({:.0} per record) | {} ({:.0} per record) |",
            ours.records,
            ours.seconds,
            theirs["seconds"].as_f64().unwrap_or(0.0),
            ours.bytes,
            ours.bytes as f64 / ours.records.max(1) as f64,
            their_bytes,
            their_bytes as f64 / ours.records.max(1) as f64,
        )
    };
    format!(
        "## Side by side with automerge-repo ({PEER_HOUSEHOLDS} households)\n\n\
         The peer a user might pick instead: an automerge-repo 2.5 sync server (Node, WebSocket \
         network adapter, file-system storage) holding the same records, one document per record, \
         and a fresh client (file-system storage) fetching every document by id over loopback, \
         counted through a TCP relay; Daakhla's fresh device is the `daakhla` binary in its own \
         process. At the full union council above (24k documents) the peer did not finish on \
         this machine: two earlier runs of 15 and 20 minutes ended with a document reported \
         unavailable, so both sync this smaller one. The peer's whole run took {took:.0} s.\n\n\
         | sync | Daakhla time | automerge-repo time | Daakhla bytes | automerge-repo bytes |\n\
         | --- | ---: | ---: | ---: | ---: |\n{}\n{}\n",
        row("a whole UC to a fresh device", uc, &result["base"]),
        row(
            "new households into that device",
            incremental,
            &result["incremental"]
        ),
    )
}

/// Sync packs: bytes per household against gzip'd JSON (`households` with 3 children in
/// `wire`), and a union council (every change of `uc`) carried by packs both ways, timed.
fn pack_section(
    dir: &Path,
    wire: &Store,
    households: usize,
    json_gzip: usize,
    uc: &Store,
) -> String {
    let server = Server::open(dir.join("pack-server")).unwrap();
    server.import_geography(&places()).unwrap();
    let enrol = |name: &str| {
        let (device, token) = server
            .add_device(name, Role::Coordinator, &["*".to_string()])
            .unwrap();
        (device.id, token)
    };
    let now = chrono::Utc::now().timestamp() as u64;
    let (writer, writer_token) = enrol("pack-writer");
    let writer = Enrolment {
        device: &writer,
        token: &writer_token,
    };
    let (small, _) = pack::write_pack(wire, writer, "bench", now).unwrap();
    let n = households as f64;

    let file = dir.join("uc.pack");
    let started = Instant::now();
    let (bytes, written) = pack::write_pack(uc, writer, "bench", now).unwrap();
    std::fs::write(&file, &bytes).unwrap();
    let device_write = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let imported = server.import_pack(&std::fs::read(&file).unwrap()).unwrap();
    let server_import = started.elapsed().as_secs_f64();
    assert_eq!(imported.new as u64, written.changes);

    let (reader, reader_token) = enrol("pack-reader");
    let started = Instant::now();
    let (back, back_written) = server.write_pack(&reader, 0, now).unwrap();
    std::fs::write(&file, &back).unwrap();
    let server_write = started.elapsed().as_secs_f64();
    let mut fresh = new_store(dir, "pack-fresh");
    let started = Instant::now();
    let reader = Enrolment {
        device: &reader,
        token: &reader_token,
    };
    let got = pack::import_pack(&mut fresh, reader, &std::fs::read(&file).unwrap()).unwrap();
    let device_import = started.elapsed().as_secs_f64();
    assert_eq!(got.new_changes, written.changes);
    let counts = fresh.counts().unwrap();
    let records = counts.records();
    let changes = written.changes as f64;

    let mut out = String::new();
    writeln!(
        out,
        "## Sync packs\n\nA pack is one file (USB stick, SD card, chat app) holding what the other side lacks: \
         header, DEFLATE'd changes and an HMAC-SHA256 seal.\n\n\
         | form ({households} households with 3 children) | bytes per household |\n| --- | ---: |\n\
         | the records as JSON, gzip'd together | {:.0} |\n\
         | **a sync pack of their changes** (header and seal included) | **{:.0}** |\n",
        json_gzip as f64 / n,
        small.len() as f64 / n,
    )
    .unwrap();
    writeln!(
        out,
        "A union council by pack, both ways: {} changes, a {} byte pack ({:.0} per change) from the \
         device and a {} byte pack back to a fresh device, which then holds {records} records. \
         In process (library calls, release build), files on disk.\n\n\
         | step | time | throughput |\n| --- | ---: | ---: |\n\
         | device writes its pack (`daakhla pack write`) | {device_write:.2} s | {:.0} changes/s |\n\
         | server imports it: seal, push checks, log (`daakhla-server pack import`; a push is answered once logged, so its records are materialised by the next server to open the log) | {server_import:.2} s | {:.0} changes/s |\n\
         | server writes the pack for a fresh device (`daakhla-server pack write`, after materialising what the import logged: a pack holds only checked changes) | {server_write:.2} s | {:.0} changes/s |\n\
         | **fresh device imports it** (`daakhla pack import`) | **{device_import:.2} s** | {:.0} changes/s |\n",
        written.changes,
        written.bytes,
        written.bytes as f64 / changes,
        back_written.bytes,
        changes / device_write,
        changes / server_import,
        changes / server_write,
        changes / device_import,
    )
    .unwrap();
    out
}

fn run(sizes: &Sizes, daakhla: &Path, peer: Option<&Path>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut out = String::new();
    let date = chrono::Utc::now().format("%Y-%m-%d");
    writeln!(
        out,
        "# Benchmarks\n\nMeasured by `scripts/bench` on {date}, on {}.",
        machine()
    )
    .unwrap();
    writeln!(
        out,
        "Release build; stores are SQLite files; the server answers over loopback HTTP.\n"
    )
    .unwrap();

    // 1. Bytes on the wire per household with 3 children.
    let geo = places();
    let (_, one_uc) = villages_of_uc(&geo, 0);
    let three: Vec<HouseholdSurvey> = surveys(&one_uc, sizes.wire_households * 5, 1, 1)
        .into_iter()
        .filter(|s| s.children.len() == 3)
        .take(sizes.wire_households)
        .collect();
    let mut store = new_store(dir.path(), "wire");
    store.add_surveys(&three, &ctx(), &mut |_| {}).unwrap();
    let changes = store.changes_to_push(usize::MAX).unwrap();
    let wire_changes: Vec<daakhla_wire::WireChange> = changes
        .iter()
        .map(|c| daakhla_wire::WireChange {
            doc_id: c.doc_id.parse().unwrap(),
            kind: c.kind,
            scope: c.scope.clone().unwrap(),
            bytes: c.bytes.clone(),
        })
        .collect();
    let batched: usize = wire_changes
        .chunks(daakhla_sync::PUSH_BATCH)
        .map(|chunk| {
            daakhla_wire::encode_push(&daakhla_wire::Push {
                changes: chunk.to_vec(),
            })
            .len()
        })
        .sum();
    let single = daakhla_wire::encode_push(&daakhla_wire::Push {
        changes: wire_changes[..4].to_vec(),
    })
    .len();
    let raw: usize = changes.iter().map(|c| c.bytes.len()).sum();
    let json_lines: String = three
        .iter()
        .map(|s| serde_json::to_string(s).unwrap() + "\n")
        .collect();
    let n = three.len() as f64;
    writeln!(
        out,
        "## Bytes on the wire: a household with 3 children ({} households)\n",
        three.len()
    )
    .unwrap();
    writeln!(out, "| form | bytes per household |\n| --- | ---: |").unwrap();
    writeln!(
        out,
        "| the records as JSON | {:.0} |",
        json_lines.len() as f64 / n
    )
    .unwrap();
    writeln!(
        out,
        "| the records as JSON, gzip'd together | {:.0} |",
        gzip(json_lines.as_bytes()) as f64 / n
    )
    .unwrap();
    writeln!(
        out,
        "| Automerge changes, uncompressed | {:.0} |",
        raw as f64 / n
    )
    .unwrap();
    writeln!(
        out,
        "| **Daakhla push, batches of {}** | **{:.0}** |",
        daakhla_sync::PUSH_BATCH,
        batched as f64 / n
    )
    .unwrap();
    writeln!(out, "| Daakhla push of one household alone | {single} |\n").unwrap();

    // 2. One union council to a fresh device, through the server.
    let server = Arc::new(Server::open(dir.path().join("server")).unwrap());
    server.import_geography(&places()).unwrap();
    let running = daakhla_server::spawn(server.clone(), "127.0.0.1:0").unwrap();
    let token = |name: &str| {
        server
            .add_device(name, Role::Coordinator, &["*".to_string()])
            .unwrap()
            .1
    };
    let (uc, uc_villages) = villages_of_uc(&geo, 1);
    let uc_records = UcRecords::new(&uc_villages, sizes.uc_households, 2);
    let mut sender = new_store(dir.path(), "sender");
    let started = Instant::now();
    uc_records.write_to(&mut sender);
    let local_write = started.elapsed();
    // Packs carry what the server lacks: measure them before the push acknowledges it all.
    let json_gzip = gzip(json_lines.as_bytes());
    let pack_report = pack_section(dir.path(), &store, three.len(), json_gzip, &sender);
    let records = sender.counts().unwrap();
    let record_count = records.records();
    let sender_remote = Remote::new(&running.url(), &token("sender"));
    let started = Instant::now();
    let pushed = sync(&mut sender, &sender_remote, &mut |_| {}).unwrap();
    let ingest = started.elapsed();
    let ingest_postgres = postgres_ingest(dir.path(), &uc_records);

    let fresh = dir.path().join("fresh.sqlite");
    let init = device_command(daakhla)
        .arg("--store")
        .arg(&fresh)
        .arg("init")
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let fresh_token = token("fresh");
    let url = running.url();
    let device_sync = || device_sync(daakhla, &fresh, &url, &fresh_token);
    let synced = device_sync();
    let summary: serde_json::Value = serde_json::from_slice(&synced.stdout).unwrap();
    let received_bytes = summary["bytes_received"].as_u64().unwrap();
    writeln!(
        out,
        "## One union council to a fresh device\n\n{uc}: {} households, {} children, {} follow-ups, {} schools, {} school needs ({record_count} records, {} changes).\n",
        records.households,
        records.children,
        records.follow_ups,
        records.schools,
        records.needs,
        pushed.sent
    )
    .unwrap();
    writeln!(
        out,
        "| step | time | throughput | bytes |\n| --- | ---: | ---: | ---: |"
    )
    .unwrap();
    writeln!(
        out,
        "| survey entry on the first device (validate, write rows, documents, changes) | {:.1} s | {:.0} records/s | |",
        local_write.as_secs_f64(),
        record_count as f64 / local_write.as_secs_f64()
    )
    .unwrap();
    writeln!(
        out,
        "| push to the server: SQLite log + materialised records (server ingest) | {:.1} s | {:.0} changes/s | {} ({:.0} per record) |",
        ingest.as_secs_f64(),
        pushed.sent as f64 / ingest.as_secs_f64(),
        pushed.bytes_sent,
        pushed.bytes_sent as f64 / record_count as f64
    )
    .unwrap();
    match ingest_postgres {
        Some(seconds) => writeln!(
            out,
            "| the same push to a server on PostgreSQL 15 (same machine, loopback) | {seconds:.1} s | {:.0} changes/s | |",
            pushed.sent as f64 / seconds
        ),
        None => writeln!(
            out,
            "| the same push to a server on PostgreSQL | not measured: DATABASE_URL was not set | | |"
        ),
    }
    .unwrap();
    writeln!(
        out,
        "| **fresh device receives the whole UC** (`daakhla sync`, own process) | **{:.1} s** | {:.0} records/s | {} ({:.0} per record) |",
        synced.seconds,
        record_count as f64 / synced.seconds,
        received_bytes,
        received_bytes as f64 / record_count as f64
    )
    .unwrap();
    writeln!(
        out,
        "\nPeak memory of the receiving device's process: **{:.0} MiB** (resident, including the SQLite page cache).\n",
        synced.peak_mib
    )
    .unwrap();

    out.push_str(&pack_report);

    // 3. Incremental sync into stores of growing size: neither time nor memory may grow with
    //    the store.
    writeln!(
        out,
        "## Incremental sync of {} new households into a store that already holds N records\n\nThe receiving device is the `daakhla` binary, one process per sync.\n\n| records already in the receiving store | time to receive | peak memory |\n| ---: | ---: | ---: |",
        sizes.incremental_households
    )
    .unwrap();
    let mut next_number = sizes.uc_households as u32 + 1;
    let held = || open_device_store(&fresh).counts().unwrap();
    let other_villages = Geography {
        villages: geo
            .villages
            .iter()
            .filter(|v| v.parent.as_deref() != Some(uc.as_str()))
            .cloned()
            .collect(),
        ..Geography::default()
    };
    let mut fill_number = 1_000_000;
    for target in sizes.store_records {
        grow(&fresh, &other_villages, target, &mut fill_number);
        let counts = held();
        let held_records = counts.records();
        let new = surveys(
            &uc_villages,
            sizes.incremental_households,
            99 + next_number as u64,
            next_number,
        );
        next_number += sizes.incremental_households as u32;
        sender.add_surveys(&new, &ctx(), &mut |_| {}).unwrap();
        sync(&mut sender, &sender_remote, &mut |_| {}).unwrap();
        let got = device_sync();
        writeln!(
            out,
            "| {held_records} | {:.0} ms | {:.0} MiB |",
            got.seconds * 1000.0,
            got.peak_mib
        )
        .unwrap();
    }
    if let Some(peer) = peer {
        writeln!(out, "\n{}", peer_comparison(peer, dir.path(), daakhla)).unwrap();
    }
    writeln!(
        out,
        "\n## Reading these figures\n\n\
         - Reference points measured on these machines before this code existed: a record as JSON \
         ≈ 516 B, ≈ 89 B zstd-compressed in a batch; one Automerge create change ≈ 477 B, ≈ 97 B \
         in a compressed batch. A household with 3 children is 4 records.\n\
         - Incremental sync should cost the same whatever the store holds: compare the rows of \
         the last table, in time and in memory.\n\
         - The receiving store is grown to each size with surveys of the other union councils \
         written on the device itself and marked as already sent, so each measured sync only \
         receives the new households."
    )
    .unwrap();
    out
}
