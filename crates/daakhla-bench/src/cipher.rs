//! What encryption at rest costs a device: the same union council saved into a store and
//! received by a fresh device (`daakhla sync`, its own process), plain and encrypted.

use crate::{
    PLAIN, UcRecords, create_device_store, device_command, device_sync, new_store,
    open_device_store, places, reference, villages_of_uc,
};
use daakhla_server::{Role, Server};
use daakhla_sync::{Remote, sync};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

pub const HEADING: &str = "## Encryption at rest";

/// Each leg runs this many times, plain and encrypted in turn; the best time is shown.
const ROUNDS: usize = 2;

struct Leg {
    save: f64,
    receive: f64,
    peak_mib: f64,
    open_ms: f64,
    bytes: u64,
}

pub fn section(daakhla: &Path, households: usize) -> String {
    let dir = tempfile::tempdir().unwrap();
    let geo = places();
    let (uc, villages) = villages_of_uc(&geo, 1);
    let records = UcRecords::new(&villages, households, 2);

    // The server's union council comes from one plain sender, pushed once.
    PLAIN.store(true, Ordering::SeqCst);
    let server = Arc::new(Server::open(dir.path().join("server")).unwrap());
    server.import_geography(&places()).unwrap();
    let running = daakhla_server::spawn(server.clone(), "127.0.0.1:0").unwrap();
    let token = |name: &str| {
        server
            .add_device(name, Role::Coordinator, &["*".to_string()])
            .unwrap()
            .1
    };
    let mut sender = new_store(dir.path(), "sender");
    records.write_to(&mut sender);
    let count = sender.counts().unwrap().records();
    sync(
        &mut sender,
        &Remote::new(&running.url(), &token("sender")),
        &mut |_| {},
    )
    .unwrap();

    let mut best: [Option<Leg>; 2] = [None, None];
    for round in 0..ROUNDS {
        for (i, plain) in [true, false].into_iter().enumerate() {
            PLAIN.store(plain, Ordering::SeqCst);
            let name = format!("{}-{round}", if plain { "plain" } else { "encrypted" });
            eprintln!("encryption at rest: {name}");
            // Saving: the whole union council written on the device.
            let path = dir.path().join(format!("{name}-save.sqlite"));
            let mut store = create_device_store(&path);
            store.import_geography(&reference(), &crate::ctx()).unwrap();
            store.import_geography(&places(), &crate::ctx()).unwrap();
            let started = Instant::now();
            records.write_to(&mut store);
            let save = started.elapsed().as_secs_f64();
            drop(store);
            // Opening: what every command and app start pays (with the migrations' check).
            let started = Instant::now();
            for _ in 0..20 {
                drop(open_device_store(&path));
            }
            let open_ms = started.elapsed().as_secs_f64() * 1000.0 / 20.0;
            // Receiving: a fresh device syncs the union council in its own process.
            let fresh = dir.path().join(format!("{name}-fresh.sqlite"));
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
            let got = device_sync(daakhla, &fresh, &running.url(), &token(&name));
            let bytes = std::fs::metadata(&fresh).unwrap().len();
            let leg = Leg {
                save,
                receive: got.seconds,
                peak_mib: got.peak_mib,
                open_ms,
                bytes,
            };
            eprintln!(
                "  save {:.2} s, receive {:.2} s, peak {:.0} MiB, open {:.1} ms",
                leg.save, leg.receive, leg.peak_mib, leg.open_ms
            );
            let slot = &mut best[i];
            *slot = Some(match slot.take() {
                None => leg,
                Some(was) => Leg {
                    save: was.save.min(leg.save),
                    receive: was.receive.min(leg.receive),
                    peak_mib: was.peak_mib.min(leg.peak_mib),
                    open_ms: was.open_ms.min(leg.open_ms),
                    bytes: leg.bytes,
                },
            });
        }
    }
    PLAIN.store(false, Ordering::SeqCst);
    let [Some(plain), Some(encrypted)] = best else {
        unreachable!("both legs ran")
    };
    let cost = |a: f64, b: f64| format!("{:+.0}%", (b / a - 1.0) * 100.0);
    let mut out = String::new();
    writeln!(
        out,
        "{HEADING}\n\nMeasured by `scripts/bench` on {}, on {}: {uc}, {households} households, {count} \
         records. Device stores are SQLCipher files (a raw 256-bit key, no key derivation); the \
         best of {ROUNDS} runs each.\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        crate::machine(),
    )
    .unwrap();
    writeln!(
        out,
        "| step | plain | encrypted | cost |\n| --- | ---: | ---: | ---: |"
    )
    .unwrap();
    writeln!(
        out,
        "| survey entry: the union council saved on the device | {:.1} s | {:.1} s | {} |",
        plain.save,
        encrypted.save,
        cost(plain.save, encrypted.save)
    )
    .unwrap();
    writeln!(
        out,
        "| fresh device receives the whole UC (`daakhla sync`, own process) | {:.1} s | {:.1} s | {} |",
        plain.receive,
        encrypted.receive,
        cost(plain.receive, encrypted.receive)
    )
    .unwrap();
    writeln!(
        out,
        "| its peak memory | {:.0} MiB | {:.0} MiB | {} |",
        plain.peak_mib,
        encrypted.peak_mib,
        cost(plain.peak_mib, encrypted.peak_mib)
    )
    .unwrap();
    writeln!(
        out,
        "| opening the store (checks included) | {:.1} ms | {:.1} ms | {} |",
        plain.open_ms,
        encrypted.open_ms,
        cost(plain.open_ms, encrypted.open_ms)
    )
    .unwrap();
    writeln!(
        out,
        "| the received store's file | {:.1} MB | {:.1} MB | {} |",
        plain.bytes as f64 / 1e6,
        encrypted.bytes as f64 / 1e6,
        cost(plain.bytes as f64, encrypted.bytes as f64)
    )
    .unwrap();
    out
}
