//! The command line on an encrypted store: `daakhla` with `DAAKHLA_STORE_KEY` (as scripts run
//! it) writes a store none of whose files show a name, reads it back, and refuses a wrong key
//! without touching the file; a plain store from before is encrypted on its first use.

mod support;

use support::Workspace;

const HOUSEHOLD: &str = r#"{
  "household": {
    "uc_code": "UC-T1", "village_code": "V-1", "household_number": "21", "consent": true,
    "respondent_name": "Zarmeena Bibi", "respondent_relation": "mother",
    "head_name": "Ghulam Rasool", "head_sex": "man", "mother_schooling": "none",
    "father_schooling": "primary", "house_type": "katcha", "members": 5,
    "surveyed_by": "Ayesha (CRP)", "surveyed_on": "2026-11-02"
  },
  "children": [
    {"name": "Zarmeena Bibi", "sex": "girl", "age_years": 9, "relation_to_head": "child",
     "schooling": {"status": "never_enrolled"}, "reasons_out_of_school": ["cost"]},
    {"name": "زرمینہ بی بی", "sex": "girl", "age_years": 11, "relation_to_head": "child",
     "schooling": {"status": "never_enrolled"}, "reasons_out_of_school": ["cost"]}
  ]
}"#;

const NAMES: [&str; 3] = ["Zarmeena Bibi", "Ghulam Rasool", "زرمینہ بی بی"];

fn store_files(ws: &Workspace) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(ws.dir.path())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with("store.sqlite"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn names_found(ws: &Workspace) -> Vec<String> {
    let mut found = Vec::new();
    for (file, bytes) in store_files(ws) {
        for name in NAMES {
            if bytes.windows(name.len()).any(|w| w == name.as_bytes()) {
                found.push(format!("{name} in {file}"));
            }
        }
    }
    found
}

#[test]
fn the_cli_writes_an_encrypted_store_reads_it_back_and_refuses_a_wrong_key() {
    let ws = Workspace::with_test_geography();
    let run = ws.run_with_stdin(&["household", "add"], HOUSEHOLD);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(names_found(&ws), Vec::<String>::new());
    let files: Vec<String> = store_files(&ws).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        files,
        ["store.sqlite"],
        "no key file beside it: the key came from the environment"
    );

    let hits = ws.ok(&["--json", "list", "search", "Zarmeena"]).json();
    assert_eq!(hits[0]["child_name"], "Zarmeena Bibi", "{hits}");
    let hits = ws.ok(&["--json", "list", "search", "زرمینہ"]).json();
    assert_eq!(hits[0]["child_name"], "زرمینہ بی بی", "{hits}");
    let hits = ws.ok(&["--json", "list", "search", "Rasool"]).json();
    assert_eq!(hits.as_array().unwrap().len(), 1, "{hits}");

    let before = store_files(&ws);
    for wrong in [&"00".repeat(32), "4821"] {
        let run = ws
            .command(&["list", "households"])
            .env("DAAKHLA_STORE_KEY", wrong)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(5), "refused as a store");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains("locked with another key"), "{stderr}");
        assert_eq!(
            store_files(&ws),
            before,
            "the file unchanged, nothing beside it"
        );
    }
    let run = ws
        .command(&["--lang", "ur", "list", "households"])
        .env("DAAKHLA_STORE_KEY", "4821")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&run.stderr).contains("کسی اور کلید سے مقفل"));
    // --plain never reads (or encrypts) an encrypted store.
    let run = ws
        .command(&["--plain", "list", "households"])
        .env_remove("DAAKHLA_STORE_KEY")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(5));
    assert_eq!(store_files(&ws), before);
}

#[test]
fn a_plain_store_from_before_is_encrypted_on_its_first_use_with_a_key() {
    let ws = Workspace::empty();
    let plain = |args: &[&str]| {
        let run = ws
            .command(args)
            .env_remove("DAAKHLA_STORE_KEY")
            .env("DAAKHLA_STORE_PLAIN", "1")
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    };
    plain(&["init"]);
    let geo = ws.file("geo.json", support::GEOGRAPHY);
    plain(&["geo", "import", geo.to_str().unwrap()]);
    let mut add = ws
        .command(&["household", "add"])
        .env_remove("DAAKHLA_STORE_KEY")
        .env("DAAKHLA_STORE_PLAIN", "1")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut add.stdin.take().unwrap(), HOUSEHOLD.as_bytes()).unwrap();
    assert!(add.wait().unwrap().success());
    assert!(
        !names_found(&ws).is_empty(),
        "plain: the names are there to find"
    );

    let hits = ws.ok(&["--json", "list", "search", "Zarmeena"]).json();
    assert_eq!(hits[0]["child_name"], "Zarmeena Bibi", "{hits}");
    assert_eq!(names_found(&ws), Vec::<String>::new());
    let households = ws.ok(&["--json", "list", "households"]).json();
    assert_eq!(households.as_array().unwrap().len(), 1, "{households}");
}
