//! A store file written by an older schema opens and is migrated with every record kept; a
//! file from a newer Daakhla, or not a Daakhla store at all, is refused and left untouched.

use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::ids::ChildId;
use daakhla_domain::input::{apply_survey_patch, decode_value};
use daakhla_domain::lifecycle::Stage;
use daakhla_store::{Store, StoreError, schema};
use daakhla_testkit::context::ctx;
use daakhla_testkit::reports;
use serde_json::json;
use std::path::{Path, PathBuf};

const FIXTURE_V1: &str = "tests/fixtures/store-v1.sqlite";

/// The two surveys the v1 fixture holds.
fn fixture_surveys() -> Vec<HouseholdSurvey> {
    let value = json!([
        {"household": {"id": "0192f3a0-0000-7000-8000-000000000001", "uc_code": "UC-F1", "village_code": "V-F1",
                       "household_number": "1", "consent": true, "head_name": "Allah Ditta",
                       "surveyed_by": "Ayesha", "surveyed_on": "2024-11-01"},
         "children": [
            {"id": "0192f3a0-0000-7000-8000-000000000011", "name": "Sughra", "sex": "girl", "age_years": 8,
             "schooling": {"status": "never_enrolled"}, "reasons_out_of_school": ["cost"]},
            {"id": "0192f3a0-0000-7000-8000-000000000012", "name": "Akram", "sex": "boy", "age_years": 11,
             "schooling": {"status": "enrolled", "class": 5}}]},
        {"household": {"id": "0192f3a0-0000-7000-8000-000000000002", "uc_code": "UC-F1", "village_code": "V-F1",
                       "household_number": "2", "consent": true, "head_name": "گل محمد",
                       "surveyed_by": "Ayesha", "surveyed_on": "2024-11-02"},
         "children": [
            {"id": "0192f3a0-0000-7000-8000-000000000021", "name": "Zainab", "sex": "girl", "age_years": 13,
             "schooling": {"status": "dropped_out", "last_class_passed": 5, "year_left": 2023},
             "reasons_out_of_school": ["no_girls_school", "school_too_far"]},
            {"id": "0192f3a0-0000-7000-8000-000000000022", "name": "Ali", "sex": "boy", "age_years": 6,
             "schooling": {"status": "enrolled", "class": 0}}]}
    ]);
    let mut surveys: Vec<HouseholdSurvey> = decode_value(value).unwrap();
    surveys.iter_mut().for_each(HouseholdSurvey::link_children);
    surveys
}

/// Remakes the fixture as schema 1 wrote it: `cargo test -p daakhla-store -- --ignored`.
/// Rows go in with plain SQL, into schema 1's columns only.
#[test]
#[ignore = "writes the committed fixture"]
fn write_v1_fixture() {
    let path = Path::new(FIXTURE_V1);
    let _ = std::fs::remove_file(path);
    drop(Store::create_at_version(path, 1).unwrap());
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "INSERT INTO places VALUES ('SD', 'province', NULL, 'Sindh', 'سندھ', 0);
         INSERT INTO places VALUES ('SD-THT', 'district', 'SD', 'Thatta', 'ٹھٹھہ', 0);
         INSERT INTO places VALUES ('SD-THT-T1', 'tehsil', 'SD-THT', 'Fixture tehsil', 'تحصیل', 1);
         INSERT INTO places VALUES ('UC-F1', 'union_council', 'SD-THT-T1', 'Fixture UC', 'یونین کونسل', 1);
         INSERT INTO places VALUES ('V-F1', 'village', 'UC-F1', 'Fixture village', 'گاؤں', 1);",
    )
    .unwrap();
    for survey in fixture_surveys() {
        let h = &survey.household;
        conn.execute(
            "INSERT INTO households (id, uc_code, village_code, household_number, head_name, consent, surveyed_on, surveyed_by, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            rusqlite::params![h.id.to_string(), h.uc_code, h.village_code, h.household_number, h.head_name,
                h.consent, h.surveyed_on.to_string(), h.surveyed_by, serde_json::to_string(h).unwrap()],
        )
        .unwrap();
        for c in &survey.children {
            conn.execute(
                "INSERT INTO children (id, household_id, name, sex, age_years, schooling, out_of_school, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![c.id.to_string(), h.id.to_string(), c.name, c.sex.to_string(),
                    c.age_years, c.schooling.status().to_string(), c.is_out_of_school(), serde_json::to_string(c).unwrap()],
            )
            .unwrap();
        }
    }
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
}

fn copy_of(fixture: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    std::fs::copy(fixture, &path).unwrap();
    (dir, path)
}

#[test]
fn a_schema_1_store_is_migrated_with_every_record_kept() {
    let (_dir, path) = copy_of(FIXTURE_V1);
    let version: u32 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1, "the fixture is a schema-1 file");

    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::LATEST);
    for survey in fixture_surveys() {
        assert_eq!(store.survey(survey.household.id).unwrap(), survey);
    }
    let due: Vec<String> = store
        .follow_ups_due(Some("UC-F1"), None)
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(
        due,
        ["Sughra", "Zainab"],
        "out-of-school children get their stage from the migration"
    );

    let follow_up = decode_value(json!({"child_id": "0192f3a0-0000-7000-8000-000000000011", "visited_on": "2024-11-20",
        "visited_by": "Ayesha", "outcome": {"kind": "enrolled", "school": {"name": "GGPS"}, "class": 1}}))
    .unwrap();
    store
        .add_follow_ups(&[follow_up], &ctx(), &mut |_| {})
        .unwrap();
    let due = store.follow_ups_due(Some("UC-F1"), None).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);
    assert_eq!(
        Store::open(&path).unwrap().schema_version().unwrap(),
        schema::LATEST,
        "opening again is a no-op"
    );
}

#[test]
fn a_store_from_a_newer_daakhla_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.sqlite");
    drop(Store::create(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", schema::LATEST + 1)
        .unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(conn);
    let before = std::fs::read(&path).unwrap();

    match Store::open(&path) {
        Err(StoreError::TooNew {
            found, supported, ..
        }) => {
            assert_eq!((found, supported), (schema::LATEST + 1, schema::LATEST));
        }
        other => panic!("expected TooNew, got {:?}", other.map(|_| ())),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let message = Store::open(&path)
        .err()
        .unwrap()
        .message(daakhla_domain::Lang::Ur);
    assert!(message.contains("اپ ڈیٹ"), "{message}");
}

#[test]
fn files_that_are_not_daakhla_stores_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.sqlite");
    std::fs::write(&text, "not a database at all, just some notes ".repeat(50)).unwrap();
    let other_app = dir.path().join("other.sqlite");
    let conn = rusqlite::Connection::open(&other_app).unwrap();
    conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(conn);

    for path in [&text, &other_app] {
        let before = std::fs::read(path).unwrap();
        assert!(
            matches!(Store::open(path), Err(StoreError::NotAStore(_))),
            "{}",
            path.display()
        );
        assert_eq!(std::fs::read(path).unwrap(), before);
    }
}

#[test]
fn a_missing_store_is_not_created_by_opening_and_an_existing_one_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    assert!(matches!(Store::open(&path), Err(StoreError::Missing(_))));
    assert!(!path.exists());
    drop(Store::create(&path).unwrap());
    assert!(matches!(
        Store::create(&path),
        Err(StoreError::AlreadyExists(_))
    ));
}

/// Every file in a directory with its bytes: a refused open must leave no trace, not even a
/// `-wal` or `-shm` beside the file.
fn directory_contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

#[test]
fn the_fixture_holds_two_households_and_four_children_in_schema_1_tables_only() {
    let conn = rusqlite::Connection::open_with_flags(
        FIXTURE_V1,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    assert_eq!(count(&conn, "PRAGMA user_version"), 1);
    assert_eq!(
        count(&conn, "PRAGMA application_id"),
        schema::APPLICATION_ID
    );
    assert_eq!(
        daakhla_testkit::sqlite::table_names(&conn),
        ["children", "households", "places"]
    );
    assert_eq!(count(&conn, "SELECT count(*) FROM households"), 2);
    assert_eq!(count(&conn, "SELECT count(*) FROM children"), 4);
    assert_eq!(
        count(&conn, "SELECT count(*) FROM children WHERE out_of_school"),
        2
    );
    assert!(
        !Path::new(&format!("{FIXTURE_V1}-wal")).exists(),
        "the fixture is one self-contained file"
    );
}

#[test]
fn a_migrated_store_knows_each_childs_stage_and_makes_every_record_a_document() {
    let (_dir, path) = copy_of(FIXTURE_V1);
    let mut store = Store::open(&path).unwrap();
    let stage = |id: &str| {
        store
            .child_story(id.parse::<ChildId>().unwrap())
            .unwrap()
            .lifecycle
            .stage
    };
    assert_eq!(
        [
            stage("0192f3a0-0000-7000-8000-000000000011"),
            stage("0192f3a0-0000-7000-8000-000000000012"),
            stage("0192f3a0-0000-7000-8000-000000000021"),
            stage("0192f3a0-0000-7000-8000-000000000022"),
        ],
        [
            Stage::OutOfSchool,
            Stage::InSchool,
            Stage::OutOfSchool,
            Stage::InSchool
        ]
    );
    let counts = store.counts().unwrap();
    assert_eq!(
        (
            counts.places,
            counts.households,
            counts.children,
            counts.follow_ups
        ),
        (5, 2, 4, 0)
    );
    let report = reports::union_council(&store, "UC-F1");
    assert_eq!(
        (report.children.girls, report.children.boys),
        (2, 2),
        "the report reads the migrated rows"
    );
    assert_eq!(
        (report.out_of_school.girls, report.out_of_school.boys),
        (2, 0)
    );

    let conn = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM documents WHERE kind = 'household'"
        ),
        2
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM documents WHERE kind = 'child'"),
        4
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM changes WHERE author = 'migration'"
        ),
        6
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM meta WHERE key = 'device_id'"),
        1
    );

    // A migrated survey can be edited like any other, and the edit is one more change.
    let id = fixture_surveys()[0].household.id;
    let edited = apply_survey_patch(
        &store.survey(id).unwrap(),
        &json!({"household": {"landmark": "Near the tube well"}}),
    )
    .unwrap();
    store
        .replace_surveys(std::slice::from_ref(&edited), &ctx(), &mut |_| {})
        .unwrap();
    assert_eq!(store.survey(id).unwrap(), edited);
    assert_eq!(
        count(
            &conn,
            &format!("SELECT count(*) FROM changes WHERE doc_id = '{id}'")
        ),
        2
    );
}

#[test]
fn a_newer_store_left_in_wal_mode_is_refused_without_a_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.sqlite");
    drop(Store::create(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", schema::LATEST + 1)
        .unwrap();
    drop(conn);
    let before = directory_contents(dir.path());
    assert_eq!(before.len(), 1, "closed cleanly: no -wal beside the file");

    assert!(matches!(Store::open(&path), Err(StoreError::TooNew { .. })));
    assert_eq!(directory_contents(dir.path()), before);
}

#[test]
fn an_empty_file_is_not_a_store_and_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.sqlite");
    std::fs::write(&path, b"").unwrap();
    assert!(matches!(Store::open(&path), Err(StoreError::NotAStore(_))));
    assert_eq!(
        directory_contents(dir.path()),
        [("empty.sqlite".into(), vec![])]
    );
}

#[test]
fn creating_a_store_over_any_existing_file_is_refused_and_the_file_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "field notes, not a store").unwrap();
    let before = directory_contents(dir.path());
    assert!(matches!(
        Store::create(&path),
        Err(StoreError::AlreadyExists(_))
    ));
    assert!(matches!(
        Store::create_at_version(&path, 1),
        Err(StoreError::AlreadyExists(_))
    ));
    assert_eq!(directory_contents(dir.path()), before);
}

#[test]
fn a_migration_that_fails_part_way_leaves_the_last_finished_schema_and_can_run_again() {
    let (_dir, path) = copy_of(FIXTURE_V1);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let good_body: String = conn
        .query_row("SELECT body FROM children WHERE name = 'Ali'", [], |row| {
            row.get(0)
        })
        .unwrap();
    conn.execute(
        "UPDATE children SET body = 'not json' WHERE name = 'Ali'",
        [],
    )
    .unwrap();

    // Schema 3 reads every body to make its documents: this one stops it.
    assert!(matches!(Store::open(&path), Err(StoreError::Corrupt(_))));
    assert_eq!(count(&conn, "PRAGMA user_version"), 2);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM sqlite_master WHERE name IN ('documents', 'changes', 'meta')"
        ),
        0,
        "schema 3 is rolled back whole"
    );

    conn.execute(
        "UPDATE children SET body = ?1 WHERE name = 'Ali'",
        [good_body],
    )
    .unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::LATEST);
    for survey in fixture_surveys() {
        assert_eq!(store.survey(survey.household.id).unwrap(), survey);
    }
}
