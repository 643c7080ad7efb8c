//! Running the real `daakhla` binary against a store file in a temporary directory.

#![allow(dead_code)]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A binary cargo built beside this test (`target/debug/NAME`).
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let debug_dir = exe.parent().and_then(Path::parent).expect("target/debug");
    let binary = debug_dir.join(name);
    assert!(
        binary.is_file(),
        "{} is missing: build it with `cargo build --workspace --bins` (scripts/test does)",
        binary.display()
    );
    binary
}

/// The key every store these tests make is locked with (`DAAKHLA_STORE_KEY` in each run).
pub const STORE_KEY: &str = "7e577e577e577e577e577e577e577e577e577e577e577e577e577e577e577e57";

/// Opens an SQLite file as the tests read one: a device store with `STORE_KEY`, a server's
/// plain file as it is.
pub fn open_db(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    open_db_with_flags(path, rusqlite::OpenFlags::default())
}

pub fn open_db_with_flags(
    path: &Path,
    flags: rusqlite::OpenFlags,
) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(path, flags)?;
    let mut head = Vec::new();
    if let Ok(file) = std::fs::File::open(path) {
        use std::io::Read;
        let _ = file.take(16).read_to_end(&mut head);
    }
    if head.len() == 16 && head != b"SQLite format 3\0" {
        conn.pragma_update(None, "key", format!("x'{STORE_KEY}'"))?;
    }
    Ok(conn)
}

/// The `daakhla` command line.
pub fn daakhla_binary() -> PathBuf {
    binary("daakhla")
}

pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub store: PathBuf,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

/// A small geography: one union council with two villages, under a real district.
pub const GEOGRAPHY: &str = r#"{
  "source": "test places",
  "tehsils": [{"code": "SD-THT-T1", "parent": "SD-THT", "name": {"en": "Test tehsil", "ur": "آزمائشی تحصیل"}}],
  "union_councils": [{"code": "UC-T1", "parent": "SD-THT-T1", "name": {"en": "Test UC", "ur": "آزمائشی یونین کونسل"}}],
  "villages": [
    {"code": "V-1", "parent": "UC-T1", "name": {"en": "Goth Ali", "ur": "گوٹھ علی"}},
    {"code": "V-2", "parent": "UC-T1", "name": {"en": "Goth Sher", "ur": "گوٹھ شیر"}}
  ]
}"#;

impl Workspace {
    /// A temporary directory where a store may be created.
    pub fn empty() -> Workspace {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = dir.path().join("store.sqlite");
        Workspace { dir, store }
    }

    /// A fresh store with the reference geography.
    pub fn new() -> Workspace {
        let ws = Workspace::empty();
        ws.ok(&["init"]);
        ws
    }

    /// A fresh store with the reference geography and the small test geography.
    pub fn with_test_geography() -> Workspace {
        let ws = Workspace::new();
        let file = ws.file("geo.json", GEOGRAPHY);
        ws.ok(&["geo", "import", file.to_str().unwrap()]);
        ws
    }

    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write file");
        path
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(daakhla_binary());
        command
            .arg("--store")
            .arg(&self.store)
            .args(args)
            .env_remove("DAAKHLA_LANG")
            .env("DAAKHLA_STORE_KEY", STORE_KEY)
            .env("LANG", "C");
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("run daakhla"))
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn daakhla");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        Run::from(child.wait_with_output().expect("wait for daakhla"))
    }

    /// Runs and expects success.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(
            run.code, 0,
            "daakhla {args:?} failed:\n{}\n{}",
            run.stdout, run.stderr
        );
        run
    }

    /// Every row of every table, for proving a failed command changed nothing.
    pub fn dump(&self) -> Vec<String> {
        dump_file(&self.store)
    }
}

/// Every row of every table of an SQLite file.
pub fn dump_file(path: &Path) -> Vec<String> {
    daakhla_testkit::sqlite::dump(&open_db(path).expect("open database"))
}

/// A running `daakhla-server` process; killed (SIGKILL) when dropped.
pub struct ServerProcess {
    child: std::process::Child,
    pub url: String,
}

impl ServerProcess {
    /// Starts the server on `data` (a directory or a `postgres://` URL) at a free port and
    /// waits until it says where it listens.
    pub fn start(data: impl AsRef<std::ffi::OsStr>) -> ServerProcess {
        ServerProcess::start_with(data, &[])
    }

    /// Starts the server with more `serve` options (a hub's `--upstream`, ...).
    pub fn start_with(data: impl AsRef<std::ffi::OsStr>, options: &[&str]) -> ServerProcess {
        use std::io::{BufRead, BufReader};
        let mut child = Command::new(binary("daakhla-server"))
            .arg("--data")
            .arg(data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(options)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        // Keep reading what it says afterwards, so it never writes into a closed pipe.
        std::thread::spawn(move || out.lines().for_each(drop));
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            .unwrap_or_else(|| panic!("{line}"))
            .to_string();
        ServerProcess { child, url }
    }

    /// `kill -9`, and wait for it to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Enrols a coordinator's device on the server's data; returns its token.
pub fn enrol(data: impl AsRef<std::ffi::OsStr>, user: &str, scope: &str) -> String {
    enrol_device(data, user, scope).1
}

/// Enrols a coordinator's device on the server's data; returns its id and token.
pub fn enrol_device(
    data: impl AsRef<std::ffi::OsStr>,
    user: &str,
    scope: &str,
) -> (String, String) {
    let out = Command::new(binary("daakhla-server"))
        .arg("--data")
        .arg(data)
        .args([
            "device",
            "add",
            "--user",
            user,
            "--role",
            "coordinator",
            "--scope",
            scope,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = |v: &Value| v.as_str().unwrap().to_string();
    (text(&json["device"]["id"]), text(&json["token"]))
}

/// Runs `daakhla-server --data DATA ARGS...` (no server process needed).
pub fn server_run(data: &Path, args: &[&str]) -> Run {
    let output = Command::new(binary("daakhla-server"))
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run daakhla-server");
    Run::from(output)
}
