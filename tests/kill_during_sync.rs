//! `kill -9` of the server, or of a device, at random points while 10,000 records sync: after
//! a restart the sync completes, and every device and the server hold the same records, none
//! lost and none doubled.

mod support;

use daakhla_server::scratch::Scratch;
use daakhla_server::{Location, on_both_databases};
use rusqlite::OpenFlags;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use support::{ServerProcess, Workspace, enrol};

/// 2,500 households with their children: about 10,000 records.
const HOUSEHOLDS: usize = 2_500;

fn count(db: &Path, sql: &str) -> i64 {
    let Ok(conn) = support::open_db_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return 0;
    };
    let _ = conn.busy_timeout(Duration::from_secs(5));
    conn.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

/// Waits until `done()` passes `threshold` or `child` ends; returns whether it was still running.
fn wait_until(child: &mut Child, threshold: i64, done: impl Fn() -> i64) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(300) {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if done() >= threshold {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

const RECORD_TABLES: [&str; 3] = ["households", "children", "follow_ups"];

/// Every record a store holds, by id.
fn records(store: &Path) -> Vec<(String, Value)> {
    let conn = support::open_db_with_flags(store, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut out = Vec::new();
    for table in RECORD_TABLES {
        let mut stmt = conn
            .prepare(&format!("SELECT id, body FROM {table} ORDER BY id"))
            .unwrap();
        out.extend(
            stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, String>(1)?)))
                .unwrap()
                .map(|row| {
                    let (id, body) = row.unwrap();
                    (id, serde_json::from_str(&body).unwrap())
                }),
        );
    }
    out
}

/// The server's data as the test inspects it from outside the server's process.
struct ServerData(Location);

impl ServerData {
    /// Changes in the log; 0 while it cannot be read.
    fn logged(&self) -> i64 {
        match &self.0 {
            Location::Dir(dir) => count(&dir.join("log.sqlite"), "SELECT count(*) FROM log"),
            Location::Postgres(url) => postgres::Client::connect(url, postgres::NoTls)
                .and_then(|mut c| c.query_one("SELECT count(*) FROM log", &[]))
                .map_or(0, |row| row.get(0)),
        }
    }

    /// Every record materialised on the server, by id.
    fn records(&self) -> Vec<(String, Value)> {
        match &self.0 {
            Location::Dir(dir) => records(&dir.join("records.sqlite")),
            Location::Postgres(url) => {
                let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                let mut out = Vec::new();
                for table in RECORD_TABLES {
                    let rows = client
                        .query(
                            &format!("SELECT id, body FROM {table} ORDER BY id COLLATE \"C\""),
                            &[],
                        )
                        .unwrap();
                    out.extend(rows.iter().map(|row| (row.get(0), row.get(1))));
                }
                out
            }
        }
    }
}

on_both_databases!(killed_servers_and_devices_resume_with_nothing_lost_or_doubled);

fn killed_servers_and_devices_resume_with_nothing_lost_or_doubled(scratch: Scratch) {
    let data = scratch.data_arg();
    let server_data = ServerData(scratch.location());
    let (token_a, token_b) = (enrol(&data, "sender", "*"), enrol(&data, "receiver", "*"));

    // The sender: a store with demo places and 2,500 households.
    let a = Workspace::empty();
    a.ok(&["init", "--demo", "--households", "0"]);
    let surveys = a
        .ok(&[
            "demo",
            "households",
            "--count",
            &HOUSEHOLDS.to_string(),
            "--seed",
            "11",
        ])
        .stdout;
    let file = a.file("households.json", &surveys);
    a.ok(&["household", "add", file.to_str().unwrap()]);
    let local_changes = count(&a.store, "SELECT count(*) FROM changes");
    assert!(
        local_changes >= 9_000,
        "about 10,000 records: {local_changes}"
    );

    // 1. The device is killed in the middle of sending.
    let mut server = ServerProcess::start(&data);
    let mut sync = a
        .command(&["sync", "--server", &server.url, "--token", &token_a])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let cut = wait_until(&mut sync, 1_000, || server_data.logged());
    let _ = sync.kill();
    let _ = sync.wait();
    let logged = server_data.logged();
    eprintln!("device killed with {logged} of {local_changes} changes logged (mid-push: {cut})");

    // 2. The server is killed in the middle of taking the rest.
    let mut sync = a
        .command(&["sync"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let cut = wait_until(&mut sync, logged + 1_000, || server_data.logged());
    server.kill();
    let _ = sync.wait();
    eprintln!(
        "server killed with {} changes logged (mid-push: {cut})",
        server_data.logged()
    );

    // 3. Restarted, the same sync finishes: every change logged exactly once.
    let server = ServerProcess::start(&data);
    let done = a.ok(&["--json", "sync", "--server", &server.url]).json();
    assert_eq!(done["received"], 0);
    assert_eq!(
        server_data.logged(),
        local_changes,
        "nothing lost, nothing doubled"
    );
    assert_eq!(
        count(&a.store, "SELECT count(*) FROM changes WHERE NOT pushed"),
        0
    );

    // 4. A second device is killed in the middle of receiving, then finishes.
    let b = Workspace::empty();
    b.ok(&["init", "--demo", "--households", "0"]);
    let mut pull = b
        .command(&["sync", "--server", &server.url, "--token", &token_b])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let cut = wait_until(&mut pull, 2_000, || {
        count(&b.store, "SELECT count(*) FROM changes")
    });
    let _ = pull.kill();
    let _ = pull.wait();
    eprintln!(
        "receiver killed with {} changes applied (mid-pull: {cut})",
        count(&b.store, "SELECT count(*) FROM changes")
    );
    b.ok(&["sync"]);
    assert_eq!(
        count(&b.store, "SELECT count(*) FROM changes"),
        local_changes
    );
    let sent = records(&a.store);
    for (holder, held) in [
        ("the receiver", records(&b.store)),
        ("the server", server_data.records()),
    ] {
        assert_eq!(
            held.len(),
            sent.len(),
            "{holder} holds as many records as the sender"
        );
        assert!(held == sent, "{holder} holds exactly the sender's records");
    }
    let check: String = support::open_db(&b.store)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}
