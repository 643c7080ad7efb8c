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
    /// Answer devices over HTTP, or HTTPS with a certificate.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Serve HTTPS with this certificate chain (PEM, the server's own first).
        #[arg(long, requires = "tls_key", conflicts_with = "tls_self_signed")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve HTTPS with a self-signed certificate kept in DIR (made there the first time,
        /// the same one after): for an office hub, whose phones pin its fingerprint
        /// (`enrolment add --tls-cert DIR/cert.pem` puts it in the link).
        #[arg(long, value_name = "DIR")]
        tls_self_signed: Option<PathBuf>,
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
        /// Trust the central server's certificate from this certificate authority (PEM)
        /// besides the web's.
        #[arg(long, env = "DAAKHLA_CA_FILE", value_name = "FILE")]
        upstream_ca_file: Option<PathBuf>,
        /// Trust only the central server certificate with this SHA-256 fingerprint.
        #[arg(long, value_name = "SHA256")]
        upstream_fingerprint: Option<String>,
        /// Allow a plain http:// upstream beyond loopback and private networks.
        #[arg(long)]
        upstream_insecure: bool,
        /// The built dashboard to serve at `/` (default: the repository's ui/dist if present).
        #[arg(long, env = "DAAKHLA_DASHBOARD")]
        dashboard: Option<std::path::PathBuf>,
        /// Connections served at once (more wait briefly, then are answered 503).
        #[arg(long, default_value_t = daakhla_server::ServeLimits::default().max_connections)]
        max_connections: usize,
        /// Connections from one IP address at once. Behind a reverse proxy every connection
        /// comes from the proxy: set this to --max-connections there.
        #[arg(
            long,
            default_value_t = daakhla_server::ServeLimits::default().max_connections_per_address
        )]
        max_connections_per_address: usize,
    },
    /// Devices: enrol one (prints the token it syncs with, shown only once), list them,
    /// revoke a lost one or give one a new token.
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

impl From<daakhla_server::ServerError> for Failure {
    fn from(e: daakhla_server::ServerError) -> Failure {
        Failure::from(e.to_string())
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
        /// This server's address as phones reach it, e.g. https://192.168.1.5:8080.
        #[arg(long)]
        server: Option<String>,
        /// The certificate the server serves (PEM; `DIR/cert.pem` of `serve
        /// --tls-self-signed DIR`): its fingerprint goes into the link, and the phone pins it.
        #[arg(long, requires = "server", value_name = "FILE")]
        tls_cert: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Enrol a device: prints its id and the token it syncs with (shown only once).
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
    /// Every device: id, user, role, places, when added, last sync, and whether revoked
    /// (phones a hub revoked too, with their hub).
    List {
        /// One JSON list instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// A lost or stolen phone: its token is refused from the next request on. The device
    /// is kept, marked revoked; a phone found again is enrolled anew with a new code and
    /// then sends what it holds.
    Revoke { id: String },
    /// A new token for the same device id (its history and sync packs stay its own); the
    /// old token is refused from the next request on. Prints the new token (shown only once).
    Rotate { id: String },
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
fn relay_forever(server: &Server, upstream: daakhla_sync::Remote, every: u64) {
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
            tls_cert,
            tls_key,
            tls_self_signed,
            upstream,
            upstream_token,
            relay_every,
            upstream_ca_file,
            upstream_fingerprint,
            upstream_insecure,
            dashboard,
            max_connections,
            max_connections_per_address,
        } => {
            let identity = match (tls_cert, tls_key, tls_self_signed) {
                (Some(cert), Some(key), _) => Some(
                    daakhla_server::Identity::from_pem_files(&cert, &key)
                        .map_err(|e| e.to_string())?,
                ),
                (_, _, Some(dir)) => {
                    let host = listen.rsplit_once(':').map_or(listen.as_str(), |(h, _)| h);
                    let host = host.trim_start_matches('[').trim_end_matches(']');
                    let names: Vec<String> = match host.parse::<std::net::IpAddr>() {
                        Ok(ip) if ip.is_unspecified() => Vec::new(),
                        _ => vec![host.to_string()],
                    };
                    Some(
                        daakhla_server::Identity::self_signed(&dir, &names)
                            .map_err(|e| e.to_string())?,
                    )
                }
                _ => None,
            };
            // The upstream's trust is checked before serving: a CA file that cannot be read
            // stops the start rather than every round.
            let upstream = match (upstream, upstream_token) {
                (Some(url), Some(token)) => {
                    let trust = daakhla_sync::Trust {
                        ca_pem: upstream_ca_file
                            .map(|file| {
                                std::fs::read_to_string(&file)
                                    .map_err(|e| format!("{}: {e}", file.display()))
                            })
                            .transpose()?,
                        fingerprint: upstream_fingerprint,
                        insecure: upstream_insecure,
                    };
                    let remote = daakhla_sync::Remote::with_trust(&url, &token, &trust)
                        .map_err(|e| e.to_string())?;
                    Some((url, remote))
                }
                _ => None,
            };
            if let Some(dir) = dashboard {
                // SAFETY: set before the server's threads start; `dashboard::folder` reads it.
                unsafe { std::env::set_var("DAAKHLA_DASHBOARD", dir) };
            }
            let server = Arc::new(server);
            let limits = daakhla_server::ServeLimits {
                max_connections: max_connections.max(1),
                max_connections_per_address: max_connections_per_address.max(1),
                ..daakhla_server::ServeLimits::default()
            };
            let running =
                daakhla_server::spawn_serving(server.clone(), &listen, limits, identity.as_ref())
                    .map_err(|e| format!("{listen}: {e}"))?;
            println!(
                "Daakhla server listening on {} (data in {})",
                running.url(),
                location
            );
            if let Some(fingerprint) = &running.fingerprint {
                println!("TLS certificate SHA-256 fingerprint: {fingerprint}");
            }
            if let Some((url, remote)) = upstream {
                println!("Relaying to {url} every {relay_every} s");
                std::thread::spawn(move || relay_forever(&server, remote, relay_every));
            }
            // Serve until Ctrl+C (or a kill: the log makes one at any point safe), then let
            // the requests in flight finish.
            let signals = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            signals
                .block_on(tokio::signal::ctrl_c())
                .map_err(|e| e.to_string())?;
            println!("Stopping");
            drop(running);
            Ok(())
        }
        Command::Enrolment(EnrolmentCommand::Add {
            user,
            role,
            scopes,
            valid_hours,
            server: address,
            tls_cert,
        }) => {
            let fingerprint = tls_cert
                .map(|file| daakhla_server::tls::fingerprint_of_pem_file(&file))
                .transpose()
                .map_err(|e| e.to_string())?;
            let valid_for = std::time::Duration::from_secs(valid_hours * 3600);
            let code = server
                .add_enrolment(&user, role, &scopes, valid_for)
                .map_err(|e| e.to_string())?;
            let link = address
                .map(|url| daakhla_sync::enrolment_link(&url, &code, fingerprint.as_deref()));
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
        Command::Device(DeviceCommand::List { json }) => {
            let devices = server.devices().map_err(|e| e.to_string())?;
            if json {
                println!("{}", serde_json::json!(devices));
            } else {
                print!("{}", device_table(&devices));
            }
            Ok(())
        }
        Command::Device(DeviceCommand::Revoke { id }) => {
            let device = server.revoke_device(&id).map_err(|e| e.to_string())?;
            println!("{}", serde_json::json!({ "device": device }));
            Ok(())
        }
        Command::Device(DeviceCommand::Rotate { id }) => {
            let (device, token) = server.rotate_device(&id).map_err(|e| e.to_string())?;
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
            // The command exits next: the records are brought up to date before it does.
            server.materialise()?;
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

/// `device list` as a table: one device a line, columns padded to their widest cell.
fn device_table(devices: &[daakhla_server::DeviceEntry]) -> String {
    let when = |at: Option<i64>| {
        at.and_then(|at| chrono::DateTime::from_timestamp(at, 0))
            .map_or_else(
                || "-".to_string(),
                |t| t.format("%Y-%m-%d %H:%M").to_string(),
            )
    };
    let mut rows = vec![
        [
            "ID",
            "USER",
            "ROLE",
            "SCOPES",
            "CREATED",
            "LAST SEEN",
            "REVOKED",
        ]
        .map(String::from),
    ];
    for entry in devices {
        let revoked = match (&entry.revoked_at, &entry.hub) {
            (None, _) => "no".to_string(),
            (Some(at), None) => when(Some(*at)),
            (Some(at), Some(hub)) => {
                format!("{} at hub {} ({})", when(Some(*at)), hub.user, hub.id)
            }
        };
        rows.push([
            entry.device.id.clone(),
            entry.device.user.clone(),
            entry.device.role.code().to_string(),
            entry.device.scopes.join(","),
            when(Some(entry.created_at)),
            when(entry.last_seen),
            revoked,
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
