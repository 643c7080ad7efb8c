//! `daakhla-server`: the central server. `daakhla-server serve` starts it on an SQLite data
//! directory with no other set-up, or on PostgreSQL when `--data` is a `postgres://` URL;
//! `daakhla-server device add` enrols a device.

use clap::{Parser, Subcommand};
use daakhla_server::{Location, Role, Server};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "daakhla-server", version, about = "Daakhla's central server")]
struct Cli {
    /// Where the server keeps its data: a directory of SQLite files (created if missing), or
    /// a PostgreSQL database as `postgres://user:password@host:port/database`.
    #[arg(
        long,
        global = true,
        env = "DAAKHLA_SERVER_DATA",
        default_value = "daakhla-server-data"
    )]
    data: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Answer devices over HTTP.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Run as a union council hub: relay to the central server at this address whenever
        /// it can be reached.
        #[arg(long, requires = "upstream_token")]
        upstream: Option<String>,
        /// The token the central server gave this hub (enrolled with the hub's union councils).
        #[arg(long, env = "DAAKHLA_UPSTREAM_TOKEN")]
        upstream_token: Option<String>,
        /// Seconds between relay rounds.
        #[arg(long, default_value_t = 30)]
        relay_every: u64,
        /// The built dashboard to serve at `/` (default: the repository's ui/dist if present).
        #[arg(long, env = "DAAKHLA_DASHBOARD")]
        dashboard: Option<std::path::PathBuf>,
    },
    /// Enrol a device: prints the token it syncs with (shown only once).
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Enrolment codes: a phone exchanges one for its token (`daakhla enrol`), once.
    #[command(subcommand)]
    Enrolment(EnrolmentCommand),
    /// Add places from a geography file.
    Geo { file: PathBuf },
    /// Sync packs: files that carry changes when there is no network.
    #[command(subcommand)]
    Pack(PackCommand),
    /// Load the reference campaign (the seeds' 152 union councils) as rows for reports and
    /// the dashboard: figures to check and time, never synced to devices.
    Reference {
        /// Only the first N union councils.
        #[arg(long)]
        ucs: Option<usize>,
    },
}

#[derive(Subcommand)]
enum PackCommand {
    /// Take a pack a device wrote (`daakhla pack write`): checked as a push is.
    Import { file: PathBuf },
    /// Write a pack for a device (`daakhla pack import` takes it): the changes it may see
    /// after log position N.
    Write {
        /// The device's id, as `device add` printed it.
        #[arg(long)]
        device: String,
        /// The log position the device holds: the `device_cursor` its last pack showed at
        /// import (0 for everything).
        #[arg(long, default_value_t = 0)]
        after: u64,
        file: PathBuf,
    },
}

/// A refused pack exits with this code (as `daakhla` does); other failures with 1.
const PACK_REFUSED: u8 = 7;

/// Why a command failed, and the exit code that says so.
struct Failure {
    message: String,
    code: u8,
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure { message, code: 1 }
    }
}

impl From<daakhla_server::ServerPackError> for Failure {
    fn from(e: daakhla_server::ServerPackError) -> Failure {
        let code = if e.is_refusal() { PACK_REFUSED } else { 1 };
        Failure {
            message: e.to_string(),
            code,
        }
    }
}

#[derive(Subcommand)]
enum EnrolmentCommand {
    /// Make a code for a device to come: prints it (shown only once), and with `--server` the
    /// link a QR code carries.
    Add {
        #[arg(long)]
        user: String,
        #[arg(long, value_enum)]
        role: Role,
        /// A union council (or, for supervisors, a district or province); repeat for several.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Hours the code stays valid.
        #[arg(long, default_value_t = 72)]
        valid_hours: u64,
        /// This server's address as phones reach it, e.g. http://192.168.1.5:8080.
        #[arg(long)]
        server: Option<String>,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    Add {
        #[arg(long)]
        user: String,
        #[arg(long, value_enum)]
        role: Role,
        /// A union council (or, for supervisors, a district or province) this device may
        /// see; repeat for several; `*` for all.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { message, code }) => {
            eprintln!("Error: {message}");
            ExitCode::from(code)
        }
    }
}

/// A hub's relay: a round every `every` seconds; a failed round (no internet) is reported and
/// tried again at the next.
fn relay_forever(server: &Server, url: &str, token: &str, every: u64) {
    let upstream = daakhla_sync::Remote::new(url, token);
    loop {
        match server.relay(&upstream) {
            Ok(relayed) if relayed.sent + relayed.received + relayed.held_back > 0 => println!(
                "Relayed: {} sent, {} received, {} held back",
                relayed.sent, relayed.received, relayed.held_back
            ),
            Ok(_) => {}
            Err(e) => eprintln!("Relay: {e}"),
        }
        std::thread::sleep(std::time::Duration::from_secs(every));
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let location = Location::parse(&cli.data);
    let server = Server::open(location.clone()).map_err(|e| e.to_string())?;
    match cli.command {
        Command::Serve {
            listen,
            upstream,
            upstream_token,
            relay_every,
            dashboard,
        } => {
            if let Some(dir) = dashboard {
                // SAFETY: set before the server's threads start; `dashboard::folder` reads it.
                unsafe { std::env::set_var("DAAKHLA_DASHBOARD", dir) };
            }
            let server = Arc::new(server);
            let running = daakhla_server::spawn(server.clone(), &listen)
                .map_err(|e| format!("{listen}: {e}"))?;
            println!(
                "Daakhla server listening on {} (data in {})",
                running.url(),
                location
            );
            if let (Some(url), Some(token)) = (upstream, upstream_token) {
                println!("Relaying to {url} every {relay_every} s");
                std::thread::spawn(move || relay_forever(&server, &url, &token, relay_every));
            }
            // Serve until killed; the log makes a kill at any point safe.
            loop {
                std::thread::park();
            }
        }
        Command::Enrolment(EnrolmentCommand::Add {
            user,
            role,
            scopes,
            valid_hours,
            server: address,
        }) => {
            let valid_for = std::time::Duration::from_secs(valid_hours * 3600);
            let code = server
                .add_enrolment(&user, role, &scopes, valid_for)
                .map_err(|e| e.to_string())?;
            let link = address.map(|url| daakhla_sync::enrolment_link(&url, &code));
            println!(
                "{}",
                serde_json::json!({ "code": code, "valid_hours": valid_hours, "link": link })
            );
            Ok(())
        }
        Command::Device(DeviceCommand::Add { user, role, scopes }) => {
            let (device, token) = server
                .add_device(&user, role, &scopes)
                .map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::json!({ "device": device, "token": token })
            );
            Ok(())
        }
        Command::Geo { file } => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let geo = daakhla_domain::input::decode_one(&text).map_err(|e| e.to_string())?;
            let n = server.import_geography(&geo).map_err(|e| e.to_string())?;
            println!("Imported {n} places.");
            Ok(())
        }
        Command::Reference { ucs } => {
            let figures = daakhla_server::reference::load_reference_campaign(
                &server,
                ucs,
                &mut |done, of| eprint!("\rLoading union councils: {done} of {of}"),
            )
            .map_err(|e| e.to_string())?;
            eprintln!();
            println!(
                "{}",
                serde_json::json!({
                    "osc_girls": figures.osc_girls,
                    "osc_boys": figures.osc_boys,
                    "enrolled_girls": figures.enrolled_girls,
                    "enrolled_boys": figures.enrolled_boys,
                    "schools_improved": figures.schools_improved,
                })
            );
            Ok(())
        }
        Command::Pack(PackCommand::Import { file }) => {
            let bytes = read_pack(&file)?;
            let imported = server.import_pack(&bytes)?;
            println!("{}", serde_json::json!(imported));
            Ok(())
        }
        Command::Pack(PackCommand::Write {
            device,
            after,
            file,
        }) => {
            let now = chrono::Utc::now().timestamp().max(0) as u64;
            let (bytes, written) = server.write_pack(&device, after, now)?;
            write_atomically(&file, &bytes)?;
            println!("{}", serde_json::json!(written));
            Ok(())
        }
    }
}

/// Reads a pack file, refusing one larger than a pack may be before reading it.
fn read_pack(file: &Path) -> Result<Vec<u8>, Failure> {
    let size = std::fs::metadata(file)
        .map_err(|e| format!("{}: {e}", file.display()))?
        .len();
    if size > daakhla_wire::MAX_PACK_BYTES as u64 {
        return Err(
            daakhla_server::ServerPackError::from(daakhla_wire::PackError::TooLarge).into(),
        );
    }
    Ok(std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?)
}

/// Writes beside the file, flushes it to the disk and renames: a pack cut short by a full
/// disk or a pulled USB stick never takes the pack's name.
fn write_atomically(file: &Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    let partial = file.with_extension("partial");
    std::fs::File::create(&partial)
        .and_then(|mut out| {
            out.write_all(bytes)?;
            out.sync_all()
        })
        .and_then(|()| std::fs::rename(&partial, file))
        .map_err(|e| format!("{}: {e}", file.display()).into())
}
