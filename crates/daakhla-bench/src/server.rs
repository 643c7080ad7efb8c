//! The server's scale, on SQLite and on PostgreSQL: how fast it logs pushed changes (beside
//! SQLite's own transactional insert of the same bytes on this disk), how fast it materialises
//! them into records, and a load of many devices each syncing a day's work at once against
//! the release `daakhla-server` in its own process (sync latency, and its CPU per change).

use crate::{UcRecords, new_store, places, villages_of_uc};
use daakhla_server::scratch::Scratch;
use daakhla_server::{Location, Role, Server};
use daakhla_store::Store;
use daakhla_sync::{Remote, sync};
use daakhla_wire::{Push, WireChange};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const HEADING: &str = "## The server under load";

/// The load: devices, the households each surveys in its day, and how many sync at once.
pub struct Load {
    pub devices: usize,
    pub households: usize,
    pub at_once: usize,
    /// Devices per union council: each pulls what the others in its union council sent.
    pub per_uc: usize,
}

pub fn section(server_binary: &Path, uc_households: usize, load: &Load) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut out = format!(
        "{HEADING}\n\nMeasured by `scripts/bench` on {}, on {}.\n\nOne union council's records ({uc_households} households, with \
         follow-ups, schools and needs), pushed in batches of {} changes straight to \
         `Server::push` (no HTTP), while the server's materialiser runs beside it as it does \
         in service. Logged: the push is answered. Materialised: a server opened on a copy of \
         that log shows every record.\n\n\
         | | changes | logged | materialised |\n| --- | ---: | ---: | ---: |\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        crate::machine(),
        daakhla_sync::PUSH_BATCH
    );
    let (_, villages) = villages_of_uc(&places(), 1);
    let records = UcRecords::new(&villages, uc_households, 3);
    let mut sender = new_store(dir.path(), "ingest-sender");
    records.write_to(&mut sender);
    let changes = outgoing(&sender);
    let n = changes.len() as f64;
    let insert = sqlite_insert(dir.path(), &changes);
    writeln!(
        out,
        "| SQLite's own insert of the same bytes (a table of hash, document and bytes; a transaction a batch; WAL, synchronous=FULL) | {} | **{:.0} changes/s** | |",
        changes.len(),
        n / insert
    )
    .unwrap();
    let sqlite = Scratch::sqlite();
    let postgres = Scratch::postgres();
    let mut backends = vec![("SQLite (the default)", sqlite)];
    if let Some(pg) = postgres {
        backends.push(("PostgreSQL 15 (same machine, loopback)", pg));
    }
    let mut goals = Vec::new();
    for ((name, scratch), logging_goal) in backends.iter().zip([20_000.0, 10_000.0]) {
        let (logged, materialised, records) = ingest(scratch, &changes);
        let short = name.split(' ').next().unwrap_or(name);
        goals.push(goal(
            &format!("logging on {short}"),
            n / logged,
            logging_goal,
            "changes/s",
        ));
        goals.push(goal(
            &format!("materialising on {short}"),
            records as f64 / materialised,
            10_000.0,
            "records/s",
        ));
        writeln!(
            out,
            "| Daakhla server on {name} | {} | **{:.0} changes/s** | **{:.0} records/s** ({records} records in {materialised:.1} s) |",
            changes.len(),
            n / logged,
            records as f64 / materialised
        )
        .unwrap();
    }
    if backends.len() < 2 {
        writeln!(
            out,
            "| Daakhla server on PostgreSQL | not measured: DATABASE_URL was not set | | |"
        )
        .unwrap();
    }
    writeln!(
        out,
        "\nThe goals (issue 14), as this run measured them:\n\n{}\n\n{MATERIALISING}",
        goals.join("\n")
    )
    .unwrap();

    writeln!(
        out,
        "\n{} devices, {} to a union council, each with a day's work ({} households, about {} \
         records) sync it (push, then pull what others in its union council sent) with the \
         release `daakhla-server` in its own process over loopback HTTP, {} at a time. Sync \
         latency is one device's whole `sync`; the server's CPU is its process's user and \
         system time over the run. The devices run on the same 2 cores as the server.\n\n\
         | server data | changes pushed | wall time | sync p50 | sync p99 | server CPU per 1,000 changes |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |",
        load.devices, load.per_uc, load.households, load.households * 3, load.at_once
    )
    .unwrap();
    let mut scratches = vec![("SQLite", Scratch::sqlite())];
    if let Some(pg) = Scratch::postgres() {
        scratches.push(("PostgreSQL", pg));
    }
    for (name, scratch) in &scratches {
        let result = run_load(server_binary, dir.path(), scratch, load);
        writeln!(
            out,
            "| {name} | {} | {:.1} s | {:.2} s | {:.2} s | {:.3} s |",
            result.changes,
            result.wall.as_secs_f64(),
            result.p50.as_secs_f64(),
            result.p99.as_secs_f64(),
            result.cpu_seconds / (result.changes as f64 / 1000.0)
        )
        .unwrap();
    }
    out
}

/// How materialising works, for reading its figures.
const MATERIALISING: &str = "Logging is one transaction a push: the changes' placing and a few \
    statements for the whole batch. Materialising does for each batch of the log what a device \
    does with a pull: each record's changes are applied (a new record's first change alone is \
    read straight from the change, with no Automerge document built), the documents saved, and \
    the rows written kind by kind, parents first, with the lookups each kind needs (a child's \
    household; a follow-up's child and the child's visits, for its lifecycle; a need's school) \
    made for the whole batch at once. On PostgreSQL each of those is one statement a batch \
    (rows read from JSON by `json_populate_recordset`, keys sent as arrays), for there every \
    statement is a round trip; on SQLite a prepared statement a row, and the records' file \
    commits without waiting for the disk (it is derived from the log, which keeps \
    synchronous=FULL, and is caught up from it after a power cut).";

/// One goal's line: what was reached, and whether it is met.
fn goal(what: &str, reached: f64, wanted: f64, unit: &str) -> String {
    let verdict = if reached >= wanted { "met" } else { "not met" };
    format!(
        "- {what}: goal ≥ {} {unit}, reached {} {unit}: **{verdict}**",
        thousands(wanted),
        thousands(reached)
    )
}

/// A whole number with thousands separated by commas, as people read figures.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Every change a store would push, as the wire carries them.
fn outgoing(store: &Store) -> Vec<WireChange> {
    store
        .changes_to_push(usize::MAX)
        .unwrap()
        .into_iter()
        .map(|c| WireChange {
            doc_id: c.doc_id.parse().unwrap(),
            kind: c.kind,
            scope: c.scope.unwrap(),
            bytes: c.bytes,
        })
        .collect()
}

/// Seconds SQLite takes to insert the changes' bytes, a transaction a push batch.
fn sqlite_insert(dir: &Path, changes: &[WireChange]) -> f64 {
    let conn = rusqlite::Connection::open(dir.join("insert-reference.sqlite")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch(
        "CREATE TABLE log (seq INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, hash BLOB NOT NULL UNIQUE, bytes BLOB NOT NULL)",
    )
    .unwrap();
    let hashes: Vec<Vec<u8>> = changes
        .iter()
        .map(|c| {
            daakhla_crdt::change_from_bytes(c.bytes.clone())
                .unwrap()
                .hash()
                .0
                .to_vec()
        })
        .collect();
    let started = Instant::now();
    let mut conn = conn;
    for (batch, hashes) in changes
        .chunks(daakhla_sync::PUSH_BATCH)
        .zip(hashes.chunks(daakhla_sync::PUSH_BATCH))
    {
        let tx = conn.transaction().unwrap();
        for (change, hash) in batch.iter().zip(hashes) {
            tx.prepare_cached("INSERT INTO log (doc_id, hash, bytes) VALUES (?1, ?2, ?3)")
                .unwrap()
                .execute(rusqlite::params![
                    change.doc_id.to_string(),
                    hash,
                    change.bytes
                ])
                .unwrap();
        }
        tx.commit().unwrap();
    }
    started.elapsed().as_secs_f64()
}

/// Pushes the changes to a server on `scratch`; returns the seconds logging took, the seconds
/// a server opened on a copy of that log takes to materialise it, and the records it shows.
fn ingest(scratch: &Scratch, changes: &[WireChange]) -> (f64, f64, usize) {
    let server = Server::open(scratch.location()).unwrap();
    server.import_geography(&places()).unwrap();
    let (device, _) = server
        .add_device("sender", Role::Coordinator, &["*".to_string()])
        .unwrap();
    let started = Instant::now();
    for batch in changes.chunks(daakhla_sync::PUSH_BATCH) {
        server
            .push(
                &device,
                &Push {
                    changes: batch.to_vec(),
                },
            )
            .unwrap();
    }
    let logged = started.elapsed().as_secs_f64();
    drop(server);

    let copy = copy_of_log(scratch);
    let started = Instant::now();
    let server = Server::open(copy.location()).unwrap();
    let materialised = started.elapsed().as_secs_f64();
    let records = server.snapshot().unwrap().len();
    (logged, materialised, records)
}

/// Fresh server data holding only `scratch`'s log (and devices): its records are still to be
/// materialised.
fn copy_of_log(scratch: &Scratch) -> Scratch {
    match scratch.location() {
        Location::Dir(dir) => {
            let copy = Scratch::sqlite();
            let Location::Dir(to) = copy.location() else {
                unreachable!()
            };
            std::fs::create_dir_all(&to).unwrap();
            // VACUUM INTO writes a whole, checkpointed copy.
            let log = rusqlite::Connection::open(dir.join("log.sqlite")).unwrap();
            log.execute(
                "VACUUM INTO ?1",
                [to.join("log.sqlite").display().to_string()],
            )
            .unwrap();
            copy
        }
        Location::Postgres(url) => {
            let copy = Scratch::postgres().unwrap();
            // Creates the copy's tables, with the reference places.
            drop(Server::open(copy.location()).unwrap());
            let Location::Postgres(to) = copy.location() else {
                unreachable!()
            };
            let schema = |url: &str| {
                let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                let row = client.query_one("SELECT current_schema()", &[]).unwrap();
                row.get::<_, String>(0)
            };
            let (from_schema, to_schema) = (schema(&url), schema(&to));
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            client
                .batch_execute(&format!(
                    "INSERT INTO {to_schema}.places SELECT * FROM {from_schema}.places ON CONFLICT DO NOTHING;
                     INSERT INTO {to_schema}.log SELECT * FROM {from_schema}.log;"
                ))
                .unwrap();
            copy
        }
    }
}

struct LoadResult {
    changes: u64,
    wall: Duration,
    p50: Duration,
    p99: Duration,
    cpu_seconds: f64,
}

/// Enrols the load's devices on fresh data, serves it with the release server, and syncs
/// every device's day `at_once` at a time.
fn run_load(server_binary: &Path, dir: &Path, scratch: &Scratch, load: &Load) -> LoadResult {
    let geo = places();
    let server = Server::open(scratch.location()).unwrap();
    server.import_geography(&geo).unwrap();
    let ucs = load.devices.div_ceil(load.per_uc);
    let mut devices: Vec<(Store, String)> = Vec::with_capacity(load.devices);
    for uc in 0..ucs {
        let (code, villages) = villages_of_uc(&geo, uc);
        for member in 0..load.per_uc.min(load.devices - devices.len()) {
            let i = devices.len();
            let (_, token) = server
                .add_device(
                    &format!("phone {i}"),
                    Role::ResourcePerson,
                    std::slice::from_ref(&code),
                )
                .unwrap();
            let mut store = new_store(dir, &format!("load-{}-{i}", scratch_name(scratch)));
            let day = crate::surveys(
                &villages,
                load.households,
                (uc * 100 + member) as u64,
                member as u32 * 1_000 + 1,
            );
            store.add_surveys(&day, &crate::ctx(), &mut |_| {}).unwrap();
            devices.push((store, token));
        }
    }
    drop(server);

    let mut process = Served::start(server_binary, scratch);
    let url = process.url.clone();
    let cpu_before = process.cpu_seconds();
    let queue = Arc::new(Mutex::new(devices));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let pushed = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..load.at_once)
        .map(|_| {
            let (queue, latencies, pushed, url) = (
                queue.clone(),
                latencies.clone(),
                pushed.clone(),
                url.clone(),
            );
            std::thread::spawn(move || {
                loop {
                    let Some((mut store, token)) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    let began = Instant::now();
                    let summary = sync(&mut store, &Remote::new(&url, &token), &mut |_| {})
                        .unwrap_or_else(|e| panic!("a device's sync failed under load: {e}"));
                    latencies.lock().unwrap().push(began.elapsed());
                    pushed.fetch_add(summary.sent, std::sync::atomic::Ordering::SeqCst);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let wall = started.elapsed();
    let cpu_seconds = process.cpu_seconds() - cpu_before;
    process.stop();
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let at = |share: f64| latencies[((latencies.len() - 1) as f64 * share).round() as usize];
    LoadResult {
        changes: pushed.load(std::sync::atomic::Ordering::SeqCst),
        wall,
        p50: at(0.5),
        p99: at(0.99),
        cpu_seconds,
    }
}

fn scratch_name(scratch: &Scratch) -> &'static str {
    match scratch.location() {
        Location::Dir(_) => "sqlite",
        Location::Postgres(_) => "postgres",
    }
}

/// The release `daakhla-server` serving a scratch's data in its own process.
struct Served {
    child: std::process::Child,
    url: String,
}

impl Served {
    fn start(binary: &Path, scratch: &Scratch) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let child = std::process::Command::new(binary)
            .arg("--data")
            .arg(scratch.data_arg())
            .arg("serve")
            .arg("--listen")
            .arg(&listen)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let started = Instant::now();
        while std::net::TcpStream::connect(&listen).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Served {
            child,
            url: format!("http://{listen}"),
        }
    }

    /// The process's user and system CPU time so far.
    fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // Fields after the command name (which may hold spaces) closed by ')'.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        ticks / clock_ticks()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The kernel's clock ticks a second, as `/proc` counts CPU time.
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100.0)
}
