//! A week of one resource person's work reaches the server by sync packs alone: no network,
//! only files. Each day she surveys households, visits out-of-school children and corrects
//! earlier surveys; each evening her device writes a pack. The packs reach the server out of
//! order, one twice, and a cut copy and a changed copy arrive first and are refused. Then a
//! pack from the server brings the same records to a second, fresh device.

mod support;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use support::{Workspace, dump_file, enrol_device, server_run};

const DAYS: usize = 7;
const HOUSEHOLDS_A_DAY: usize = 3;

/// Every record as a store shows it, by kind and id, with where it is shown.
fn snapshot(store: &Path) -> BTreeMap<String, String> {
    let conn = support::open_db(store).unwrap();
    let mut out = BTreeMap::new();
    for (kind, query) in [
        (
            "household",
            "SELECT id, body || ' @' || coalesce(merged_into, '') FROM households",
        ),
        (
            "child",
            "SELECT id, body || ' @' || household_id FROM children",
        ),
        ("follow_up", "SELECT id, body FROM follow_ups"),
    ] {
        let mut stmt = conn.prepare(query).unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .unwrap();
        for row in rows {
            let (id, body) = row.unwrap();
            out.insert(format!("{kind}/{id}"), body);
        }
    }
    out
}

fn count(db: &Path, query: &str) -> i64 {
    support::open_db(db)
        .unwrap()
        .query_row(query, [], |r| r.get(0))
        .unwrap()
}

const VILLAGES: [&str; 2] = ["V-1", "V-2"];

fn survey(day: usize, n: usize) -> Value {
    json!({
        "household": {
            "uc_code": "UC-T1", "village_code": VILLAGES[n % 2],
            "household_number": format!("{}", day * 100 + n), "consent": true,
            "head_name": format!("Head {day}-{n}"), "head_sex": "man",
            "surveyed_by": "Ayesha (CRP)", "surveyed_on": format!("2026-11-{:02}", 10 + day)
        },
        "children": [
            {"name": format!("Sana {day}-{n}"), "sex": "girl", "age_years": 6 + n,
             "schooling": {"status": "never_enrolled"}, "reasons_out_of_school": ["cost"]},
            {"name": format!("Ali {day}-{n}"), "sex": "boy", "age_years": 10 + n,
             "schooling": {"status": "dropped_out", "last_class_passed": 3, "year_left": 2025}}
        ]
    })
}

struct Server {
    data: tempfile::TempDir,
}

impl Server {
    fn import(&self, pack: &Path) -> support::Run {
        server_run(
            self.data.path(),
            &["pack", "import", pack.to_str().unwrap()],
        )
    }

    fn records(&self) -> PathBuf {
        self.data.path().join("records.sqlite")
    }

    fn log(&self) -> PathBuf {
        self.data.path().join("log.sqlite")
    }

    fn state(&self) -> (Vec<String>, Vec<String>) {
        (dump_file(&self.log()), dump_file(&self.records()))
    }
}

#[test]
fn a_week_of_work_reaches_the_server_by_packs_alone() {
    let server = Server {
        data: tempfile::tempdir().unwrap(),
    };
    let (device_a, token_a) = enrol_device(server.data.path(), "ayesha", "UC-T1");
    let (device_b, token_b) = enrol_device(server.data.path(), "naila", "UC-T1");
    let phone = Workspace::with_test_geography();

    // The week on the phone, a pack each evening, and what the phone showed that evening.
    let mut packs: Vec<PathBuf> = Vec::new();
    let mut evenings: Vec<BTreeMap<String, String>> = Vec::new();
    let mut households: Vec<String> = Vec::new();
    let mut out_of_school: Vec<String> = Vec::new();
    for day in 1..=DAYS {
        let surveys: Vec<Value> = (0..HOUSEHOLDS_A_DAY).map(|n| survey(day, n)).collect();
        let saved =
            phone.run_with_stdin(&["--json", "household", "add"], &json!(surveys).to_string());
        assert_eq!(saved.code, 0, "{}", saved.stderr);
        for household in saved.json()["saved"].as_array().unwrap() {
            households.push(household["id"].as_str().unwrap().into());
            out_of_school.push(household["children"][0]["id"].as_str().unwrap().into());
        }
        // Yesterday's first out-of-school girl is visited and enrolled.
        if day > 1 {
            let child = &out_of_school[(day - 2) * HOUSEHOLDS_A_DAY];
            let visit = json!({
                "child_id": child, "visited_on": format!("2026-11-{:02}", 10 + day),
                "visited_by": "Ayesha (CRP)",
                "outcome": {"kind": "enrolled", "school": {"name": "GGPS Goth Ali"}, "class": 1}
            });
            let run = phone.run_with_stdin(&["followup", "add"], &visit.to_string());
            assert_eq!(run.code, 0, "{}", run.stderr);
        }
        // An earlier survey is corrected: the first household's head, spelt again each day.
        let patch = json!({"household": {"id": households[0], "head_name": format!("Head 1-0, day {day}")}});
        let run = phone.run_with_stdin(&["household", "edit"], &patch.to_string());
        assert_eq!(run.code, 0, "{}", run.stderr);

        let pack = phone.dir.path().join(format!("day-{day}.pack"));
        let file = pack.to_str().unwrap();
        let written = if day == 1 {
            phone.ok(&[
                "--json", "pack", "write", file, "--device", &device_a, "--token", &token_a,
            ])
        } else {
            phone.ok(&["--json", "pack", "write", file])
        };
        assert!(written.json()["changes"].as_u64().unwrap() > 0);
        packs.push(pack);
        evenings.push(snapshot(&phone.store));
    }
    let local_changes = count(&phone.store, "SELECT count(*) FROM changes WHERE local");
    assert_eq!(
        count(&phone.store, "SELECT count(*) FROM changes WHERE pushed"),
        0,
        "packing marks nothing as sent"
    );

    // A copy cut short and a copy with one byte changed arrive first: both refused, nothing
    // changed at the server.
    let before = server.state();
    let bytes = std::fs::read(&packs[6]).unwrap();
    let cut = phone.file("cut.pack", "");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let run = server.import(&cut);
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(run.stderr.contains("incomplete"), "{}", run.stderr);
    let mut changed = std::fs::read(&packs[1]).unwrap();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x20;
    let tampered = phone.file("tampered.pack", "");
    std::fs::write(&tampered, &changed).unwrap();
    let run = server.import(&tampered);
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(run.stderr.contains("seal does not match"), "{}", run.stderr);
    let not_a_pack = phone.file("survey.json", &survey(9, 0).to_string());
    let run = server.import(&not_a_pack);
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(
        run.stderr.contains("not a Daakhla sync pack"),
        "{}",
        run.stderr
    );
    assert_eq!(server.state(), before, "a refused pack changes nothing");
    // Another server does not know the phone.
    let elsewhere = tempfile::tempdir().unwrap();
    enrol_device(elsewhere.path(), "someone", "UC-T1");
    let run = server_run(
        elsewhere.path(),
        &["pack", "import", packs[0].to_str().unwrap()],
    );
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(run.stderr.contains("does not know"), "{}", run.stderr);

    // The real packs, out of order, one twice. After each, the server shows exactly what the
    // phone showed on the latest evening imported so far.
    let mut latest = 0;
    let mut new_in_all = 0;
    for day in [3, 1, 5, 5, 2, 7, 4, 6] {
        let run = server.import(&packs[day - 1]);
        assert_eq!(run.code, 0, "day {day}: {}", run.stderr);
        let imported = run.json();
        assert_eq!(imported["device"], device_a.as_str());
        assert_eq!(
            imported["device_cursor"], 0,
            "the phone has received nothing"
        );
        let new = imported["new"].as_i64().unwrap();
        if day <= latest {
            assert_eq!(new, 0, "day {day}'s pack holds nothing the server lacks");
        }
        new_in_all += new;
        latest = latest.max(day);
        assert_eq!(
            snapshot(&server.records()),
            evenings[latest - 1],
            "after day {day}'s pack the server shows day {latest}'s evening"
        );
    }
    assert_eq!(snapshot(&server.records()), snapshot(&phone.store));
    assert_eq!(
        snapshot(&server.records()).len(),
        DAYS * HOUSEHOLDS_A_DAY * 3 + DAYS - 1
    );
    // Nothing doubled: every change of the phone is in the log once.
    assert_eq!(new_in_all, local_changes);
    assert_eq!(
        count(&server.log(), "SELECT count(*) FROM log"),
        local_changes
    );
    assert_eq!(
        count(&server.log(), "SELECT count(DISTINCT hash) FROM log"),
        local_changes
    );

    // Back the other way: a pack from the server gives a fresh device the same records.
    let tablet = Workspace::with_test_geography();
    let for_tablet = tablet.dir.path().join("for-naila.pack");
    let written = server_run(
        server.data.path(),
        &[
            "pack",
            "write",
            "--device",
            &device_b,
            "--after",
            "0",
            for_tablet.to_str().unwrap(),
        ],
    );
    assert_eq!(written.code, 0, "{}", written.stderr);
    let written = written.json();
    assert_eq!(written["changes"].as_i64().unwrap(), local_changes);
    let upto = written["upto"].as_u64().unwrap();
    let file = for_tablet.to_str().unwrap();

    // It is not the phone's pack, nor one for the server.
    let phone_before = phone.dump();
    let run = phone.run(&["pack", "import", file]);
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(run.stderr.contains("not this one"), "{}", run.stderr);
    assert_eq!(phone.dump(), phone_before);
    let run = server.import(&for_tablet);
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(run.stderr.contains("for a device"), "{}", run.stderr);

    let imported = tablet
        .ok(&[
            "--json", "pack", "import", file, "--device", &device_b, "--token", &token_b,
        ])
        .json();
    assert_eq!(imported["new_changes"].as_i64().unwrap(), local_changes);
    assert_eq!(imported["cursor"].as_u64().unwrap(), upto);
    assert_eq!(snapshot(&tablet.store), snapshot(&phone.store));
    // Taken in again: nothing new, nothing moved.
    let tablet_before = snapshot(&tablet.store);
    let again = tablet.ok(&["--json", "pack", "import", file]).json();
    assert_eq!(again["new_changes"], 0);
    assert_eq!(again["cursor_moved"], false);
    assert_eq!(snapshot(&tablet.store), tablet_before);
    // In Urdu, a pack meant for the server is refused in Urdu.
    let run = tablet.run(&["--lang", "ur", "pack", "import", packs[0].to_str().unwrap()]);
    assert_eq!(run.code, 7);
    assert!(run.stderr.contains("سرور کے لیے"), "{}", run.stderr);
}

#[test]
fn a_server_pack_that_starts_beyond_the_device_is_applied_without_moving_its_cursor() {
    let server = Server {
        data: tempfile::tempdir().unwrap(),
    };
    let (device_a, token_a) = enrol_device(server.data.path(), "ayesha", "UC-T1");
    let (device_b, token_b) = enrol_device(server.data.path(), "naila", "UC-T1");
    let phone = Workspace::with_test_geography();
    let tablet = Workspace::with_test_geography();
    let pack_of_phone = |name: &str| {
        let file = phone.dir.path().join(name);
        phone.ok(&[
            "pack",
            "write",
            file.to_str().unwrap(),
            "--device",
            &device_a,
            "--token",
            &token_a,
        ]);
        assert_eq!(server.import(&file).code, 0);
    };
    let add = |day| {
        let run = phone.run_with_stdin(&["household", "add"], &survey(day, 0).to_string());
        assert_eq!(run.code, 0, "{}", run.stderr);
    };
    add(1);
    pack_of_phone("first.pack");
    let log_end = count(&server.log(), "SELECT max(seq) FROM log").to_string();
    add(2);
    pack_of_phone("second.pack");

    // The tablet gets only the later part first: applied, but its cursor stays at 0, so the
    // earlier part is still asked for.
    let server_pack = |after: &str, name: &str| {
        let file = tablet.dir.path().join(name);
        let run = server_run(
            server.data.path(),
            &[
                "pack",
                "write",
                "--device",
                &device_b,
                "--after",
                after,
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        file
    };
    let later = server_pack(&log_end, "later.pack");
    let got = tablet
        .ok(&[
            "--json",
            "pack",
            "import",
            later.to_str().unwrap(),
            "--device",
            &device_b,
            "--token",
            &token_b,
        ])
        .json();
    assert_eq!(got["new_changes"], 3);
    assert_eq!(got["cursor_moved"], false);
    assert_eq!(got["cursor"], 0);
    let everything = server_pack("0", "all.pack");
    let got = tablet
        .ok(&["--json", "pack", "import", everything.to_str().unwrap()])
        .json();
    assert_eq!(got["new_changes"], 3, "only the earlier part was missing");
    assert_eq!(got["cursor_moved"], true);
    assert_eq!(snapshot(&tablet.store), snapshot(&phone.store));

    // The tablet's own pack tells the server where its next pack for the tablet starts.
    let own = tablet.dir.path().join("tablet.pack");
    tablet.ok(&["pack", "write", own.to_str().unwrap()]);
    let imported = server.import(&own);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let imported = imported.json();
    assert_eq!(imported["received"], 0);
    assert_eq!(imported["device_cursor"], got["cursor"]);
}

#[test]
fn packs_need_the_devices_id_and_token_first() {
    let phone = Workspace::new();
    let file = phone.dir.path().join("x.pack");
    let run = phone.run(&["pack", "write", file.to_str().unwrap()]);
    assert_eq!(run.code, 7);
    assert!(
        run.stderr.contains("--device") && run.stderr.contains("--token"),
        "{}",
        run.stderr
    );
    assert!(!file.exists());
}

/// A phone that only ever uses packs: once the server's pack brings its changes back, they
/// count as sent, so the next evening's pack carries only that day's work.
#[test]
fn packs_shrink_once_a_pack_from_the_server_acknowledges_the_phones_changes() {
    let server = Server {
        data: tempfile::tempdir().unwrap(),
    };
    let (device_a, token_a) = enrol_device(server.data.path(), "ayesha", "UC-T1");
    let phone = Workspace::with_test_geography();
    let mut written = Vec::new();
    let mut cursor = 0;
    for day in 1..=3 {
        let surveys: Vec<Value> = (0..HOUSEHOLDS_A_DAY).map(|n| survey(day, n)).collect();
        let saved =
            phone.run_with_stdin(&["--json", "household", "add"], &json!(surveys).to_string());
        assert_eq!(saved.code, 0, "{}", saved.stderr);
        let pack = phone.dir.path().join(format!("day-{day}.pack"));
        let mut args = vec!["--json", "pack", "write", pack.to_str().unwrap()];
        if day == 1 {
            args.extend(["--device", &device_a, "--token", &token_a]);
        }
        let changes = phone.ok(&args).json()["changes"].as_u64().unwrap();
        written.push(changes);

        // At the office the pack is taken in and one is written back from the phone's cursor.
        let imported = server.import(&pack);
        assert_eq!(imported.code, 0, "{}", imported.stderr);
        assert_eq!(imported.json()["device_cursor"], cursor);
        let back = phone.dir.path().join(format!("back-{day}.pack"));
        let run = server_run(
            server.data.path(),
            &[
                "pack",
                "write",
                "--device",
                &device_a,
                "--after",
                &cursor.to_string(),
                back.to_str().unwrap(),
            ],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let taken = phone
            .ok(&["--json", "pack", "import", back.to_str().unwrap()])
            .json();
        assert_eq!(
            taken["acknowledged"], changes,
            "day {day}: every change the phone packed came back acknowledged"
        );
        assert_eq!(
            taken["new_changes"], 0,
            "nothing new: only the phone works here"
        );
        cursor = taken["cursor"].as_u64().unwrap();
        assert_eq!(
            count(
                &phone.store,
                "SELECT count(*) FROM changes WHERE local AND NOT pushed"
            ),
            0,
            "day {day}: nothing waits to be sent"
        );
    }
    // Each day's pack holds that day's work alone: three households of two children.
    assert_eq!(written, vec![9, 9, 9], "packs no longer carry earlier days");
    // An old pack arriving late at the server is still harmless.
    let late = server.import(&phone.dir.path().join("day-1.pack"));
    assert_eq!(late.json()["new"], 0);
}
