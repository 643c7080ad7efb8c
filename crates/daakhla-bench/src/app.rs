//! The field app: what it weighs (the release binary, the bundled UI and fonts) and its
//! memory once open on a store holding a union council's records: the real `daakhla-field`
//! binary in Xvfb, its WebKit processes counted with it.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

pub const HEADING: &str = "## The field app";

/// Seconds the app is given to open its store and draw the home screen before it is measured.
const SETTLE: u64 = 20;

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn total_size(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                total_size(&path, keep)
            } else if keep(&path) {
                size_of(&path)
            } else {
                0
            }
        })
        .sum()
}

fn kb(bytes: u64) -> String {
    format!("{} KB", bytes.div_ceil(1024))
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

/// Resident memory of each running process whose name starts with one of `names`, in bytes.
fn resident(names: &[&str]) -> Vec<(String, u64)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let field = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .map(|l| l[key.len()..].trim().to_string())
        };
        let Some(name) = field("Name:") else { continue };
        if !names.iter().any(|n| name.starts_with(n)) {
            continue;
        }
        let rss = field("VmRSS:")
            .and_then(|v| {
                v.split_whitespace()
                    .next()
                    .and_then(|n| n.parse::<u64>().ok())
            })
            .unwrap_or(0);
        found.push((name, rss * 1024));
    }
    found
}

/// The section for BENCHMARKS.md: `field` is the release `daakhla-field`, `daakhla` the CLI
/// that makes the store it opens, `dist` the built UI.
pub fn section(field: &Path, daakhla: &Path, dist: &Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("uc.sqlite");
    let cli = |args: &[&str]| {
        let run = crate::device_command(daakhla)
            .arg("--store")
            .arg(&store)
            .args(args)
            .output()
            .unwrap();
        assert!(run.status.success(), "daakhla {args:?}");
        String::from_utf8_lossy(&run.stdout).into_owned()
    };
    cli(&["init"]);
    let loaded = cli(&["--json", "demo", "campaign", "--ucs", "1"]);
    let records: u64 = serde_json::from_str::<serde_json::Value>(&loaded)
        .ok()
        .and_then(|v| {
            let c = v.get("counts")?;
            Some(
                ["households", "children", "follow_ups", "schools", "needs"]
                    .iter()
                    .filter_map(|k| c.get(k)?.as_u64())
                    .sum(),
            )
        })
        .unwrap_or(0);

    let mut app = crate::device_command("xvfb-run")
        .args(["-a", "-s", "-screen 0 1024x768x24"])
        .arg(field)
        .env("DAAKHLA_STORE", &store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let processes = match &mut app {
        Ok(_) => {
            std::thread::sleep(Duration::from_secs(SETTLE));
            resident(&["daakhla-field", "WebKitWebProces", "WebKitNetworkPr"])
        }
        Err(_) => Vec::new(),
    };
    if let Ok(child) = &mut app {
        // By process name (a match on the path would find this bench's own arguments); the
        // app runs under xvfb-run, which a kill of its child alone leaves running.
        let _ = Command::new("pkill").args(["-x", "daakhla-field"]).status();
        let _ = child.kill();
        let _ = child.wait();
    }
    let shell: u64 = processes
        .iter()
        .filter(|(n, _)| n.starts_with("daakhla-field"))
        .map(|(_, r)| r)
        .sum();
    let webkit: u64 = processes
        .iter()
        .filter(|(n, _)| !n.starts_with("daakhla-field"))
        .map(|(_, r)| r)
        .sum();

    let ext = |e: &'static str| move |p: &Path| p.extension().is_some_and(|x| x == e);
    let urdu_fonts = |p: &Path| {
        p.extension().is_some_and(|x| x == "woff2")
            && p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains("arabic"))
    };
    let mut out = String::new();
    writeln!(
        out,
        "{HEADING}\n\nMeasured by `scripts/bench` on {}, on {}: the release `daakhla-field` binary, \
         and its memory {SETTLE} s after opening a store holding one reference union council \
         ({records} records: households, children, follow-ups, schools, needs), in Xvfb, with \
         its WebKit processes.\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        crate::machine()
    )
    .unwrap();
    writeln!(out, "| what | size |\n| --- | ---: |").unwrap();
    let rows = [
        ("`daakhla-field`, release build", mb(size_of(field))),
        (
            "UI JavaScript (Svelte 5, every screen)",
            kb(total_size(dist, &ext("js"))),
        ),
        ("UI CSS", kb(total_size(dist, &ext("css")))),
        (
            "Noto Nastaliq Urdu, Arabic-script subsets the WebView loads (woff2)",
            kb(total_size(dist, &urdu_fonts)),
        ),
        (
            "`ui/dist` in all (fonts also as woff and Latin subsets)",
            mb(total_size(dist, &|_| true)),
        ),
    ];
    for (what, size) in rows {
        writeln!(out, "| {what} | {size} |").unwrap();
    }
    if processes.is_empty() {
        writeln!(
            out,
            "\nMemory not measured: the app could not be started (xvfb-run is needed)."
        )
        .unwrap();
    } else {
        writeln!(
            out,
            "\n| memory after opening the union council | resident |\n| --- | ---: |\n\
             | the app (Rust: store, commands) | {} |\n| its WebKit processes (the UI) | {} |\n| in all | {} |",
            mb(shell),
            mb(webkit),
            mb(shell + webkit)
        )
        .unwrap();
    }
    out
}
