//! `daakhla-server`: the central server. `daakhla-server serve` starts it on an SQLite data
//! directory with no other set-up, or on PostgreSQL when `--data` is a `postgres://` URL;
//! `daakhla-server device add` enrols a device.

use clap::{Parser, Subcommand};
use daakhla_server::{Location, Role, Server};
use std::path::PathBuf;
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
    },
    /// Enrol a device: prints the token it syncs with (shown only once).
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Add places from a geography file.
    Geo { file: PathBuf },
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
        Err(message) => {
            eprintln!("Error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let location = Location::parse(&cli.data);
    let server = Server::open(location.clone()).map_err(|e| e.to_string())?;
    match cli.command {
        Command::Serve { listen } => {
            let running = daakhla_server::spawn(Arc::new(server), &listen)
                .map_err(|e| format!("{listen}: {e}"))?;
            println!(
                "Daakhla server listening on {} (data in {})",
                running.url(),
                location
            );
            // Serve until killed; the log makes a kill at any point safe.
            loop {
                std::thread::park();
            }
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
    }
}
