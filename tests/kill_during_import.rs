//! `kill -9` in the middle of importing 10,000 households leaves a store that opens, passes
//! SQLite's integrity check, and holds only whole households: each with all of its children.

mod support;

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::Workspace;

const HOUSEHOLDS: usize = 10_000;

/// Household id → number of children, as the input file has them.
fn roster_sizes(json: &str) -> HashMap<String, usize> {
    let surveys: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
    surveys
        .iter()
        .map(|s| {
            (
                s["household"]["id"].as_str().unwrap().to_string(),
                s["children"].as_array().unwrap().len(),
            )
        })
        .collect()
}

/// Household id → number of children, as the store has them.
fn stored_roster_sizes(conn: &rusqlite::Connection) -> HashMap<String, usize> {
    let mut stmt = conn
        .prepare("SELECT h.id, count(c.id) FROM households h LEFT JOIN children c ON c.household_id = h.id GROUP BY h.id")
        .unwrap();
    stmt.query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as usize)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn households_saved(store: &std::path::Path) -> usize {
    let conn =
        support::open_db_with_flags(store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row("SELECT count(*) FROM households", [], |row| {
        row.get::<_, i64>(0)
    })
    .unwrap() as usize
}

#[test]
fn a_killed_import_leaves_only_whole_households() {
    let mut cut_mid_import = 0;
    // Kill at different points: as soon as the first households land, and later on.
    for wait_for in [1, 2_000, 6_000] {
        // A store with demo villages, so the generated households have places to live in.
        let ws = Workspace::empty();
        ws.ok(&["init", "--demo", "--households", "0"]);
        let input = ws.run(&[
            "demo",
            "households",
            "--count",
            &HOUSEHOLDS.to_string(),
            "--seed",
            "7",
        ]);
        assert_eq!(input.code, 0, "{}", input.stderr);
        let expected = roster_sizes(&input.stdout);
        assert_eq!(expected.len(), HOUSEHOLDS);
        let file = ws.file("households.json", &input.stdout);

        let mut import = ws
            .command(&["household", "add", file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        loop {
            let saved = households_saved(&ws.store);
            if saved >= wait_for
                || import.try_wait().unwrap().is_some()
                || started.elapsed() > Duration::from_secs(120)
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        import.kill().unwrap(); // SIGKILL
        let finished = import.wait().unwrap().success();

        let conn = support::open_db(&ws.store).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let fk_errors: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(fk_errors, 0);
        let stored = stored_roster_sizes(&conn);
        for (id, children) in &stored {
            assert_eq!(
                Some(children),
                expected.get(id),
                "household {id} is not whole"
            );
        }
        eprintln!(
            "killed after {} of {HOUSEHOLDS} households (waited for {wait_for})",
            stored.len()
        );
        if !finished && stored.len() < HOUSEHOLDS {
            cut_mid_import += 1;
        }
        // The store still works after the crash, and running the same import again finishes
        // it: what was saved is skipped, nothing is doubled.
        let rerun = ws
            .ok(&["--json", "household", "add", file.to_str().unwrap()])
            .json();
        assert_eq!(rerun["unchanged"], stored.len());
        assert_eq!(stored_roster_sizes(&conn), expected);
    }
    assert!(
        cut_mid_import > 0,
        "no kill landed during the import; the test proved nothing"
    );
}
