//! One module per command group. Each command parses its input, calls the store, and prints.

mod demo;
mod digest;
mod export;
mod follow_ups;
mod geo;
mod households;
mod pack;
mod report;
mod schools;
mod sync;

use crate::cli::{Command, Global};
use crate::error::CliError;
use crate::output::Output;
use daakhla_domain::validation::Context;
use daakhla_store::Store;
use std::io::Read;
use std::path::{Path, PathBuf};

pub fn run(command: Command, global: &Global, out: &Output) -> Result<(), CliError> {
    use crate::cli::*;
    match command {
        Command::Init {
            demo,
            households,
            seed,
        } => {
            let demo = demo.then_some(demo::DemoSize { households, seed });
            demo::init(global, demo, out)
        }
        Command::Geo(GeoCommand::Import { file }) => geo::import(&mut open(global)?, &file, out),
        Command::Geo(GeoCommand::List { level, parent }) => {
            geo::list(&open(global)?, level, parent.as_deref(), out)
        }
        Command::Household(HouseholdCommand::Add { file }) => {
            households::add(&mut open(global)?, &read_input(file.as_deref())?, out)
        }
        Command::Household(HouseholdCommand::Edit { file }) => {
            households::edit(&mut open(global)?, &read_input(file.as_deref())?, out)
        }
        Command::Household(HouseholdCommand::Delete { id }) => {
            households::delete(&mut open(global)?, &id, out)
        }
        Command::Household(HouseholdCommand::Merge { from, into }) => {
            households::merge(&mut open(global)?, &from, &into, out)
        }
        Command::Household(HouseholdCommand::Duplicates { uc }) => {
            households::duplicates(&open(global)?, uc.as_deref(), out)
        }
        Command::Followup(FollowupCommand::Delete { id }) => {
            follow_ups::delete(&mut open(global)?, &id, out)
        }
        Command::Household(HouseholdCommand::Show { id }) => {
            households::show(&open(global)?, &id, out)
        }
        Command::List(ListCommand::Households { village, uc }) => {
            households::list(&open(global)?, village.as_deref(), uc.as_deref(), out)
        }
        Command::List(ListCommand::Osc { uc, village }) => {
            follow_ups::due(&open(global)?, uc.as_deref(), village.as_deref(), out)
        }
        Command::School(SchoolCommand::Save { file }) => {
            schools::save_schools(&mut open(global)?, &read_input(file.as_deref())?, out)
        }
        Command::Need(NeedCommand::Save { file }) => {
            schools::save_needs(&mut open(global)?, &read_input(file.as_deref())?, out)
        }
        Command::List(ListCommand::Schools { uc }) => {
            schools::list_schools(&open(global)?, uc.as_deref(), out)
        }
        Command::List(ListCommand::Needs { uc }) => {
            schools::list_needs(&open(global)?, uc.as_deref(), out)
        }
        Command::List(ListCommand::Search { text, limit }) => {
            households::search(&open(global)?, &text, limit, out)
        }
        Command::Child(ChildCommand::Show { id }) => {
            follow_ups::show_child(&open(global)?, &id, out)
        }
        Command::Followup(FollowupCommand::Add { file }) => {
            follow_ups::add(&mut open(global)?, &read_input(file.as_deref())?, out)
        }
        Command::Report { area, from, to } => {
            let request = daakhla_reports::ReportRequest { area, from, to };
            report::show(&open(global)?, &request, out)
        }
        Command::Export(ExportCommand::Csv {
            kind,
            out: file,
            values,
        }) => export::csv(&open(global)?, kind, file.as_deref(), values),
        Command::Demo(DemoCommand::Households { count, seed }) => {
            demo::households(&open(global)?, count, seed)
        }
        Command::Demo(DemoCommand::Campaign { ucs, seed }) => {
            demo::campaign(&mut open(global)?, ucs, seed, out)
        }
        Command::Enrol {
            code,
            server,
            trust,
        } => sync::enrol(&mut open(global)?, server, &code, &trust, out),
        Command::Sync {
            server,
            token,
            trust,
        } => sync::sync(&mut open(global)?, server, token, &trust, out),
        Command::Pack(PackCommand::Write { file, enrolment }) => {
            pack::write(&mut open(global)?, &file, enrolment, &global.author, out)
        }
        Command::Pack(PackCommand::Import { file, enrolment }) => {
            pack::import(&mut open(global)?, &file, enrolment, out)
        }
        Command::Conflicts => sync::conflicts(&open(global)?, out),
        Command::History { id } => sync::history(&open(global)?, &id, out),
        Command::Export(ExportCommand::Households(args)) => export::records(
            &open(global)?,
            Some(daakhla_export::ExportKind::Households),
            &args,
            out,
        ),
        Command::Export(ExportCommand::Children(args)) => export::records(
            &open(global)?,
            Some(daakhla_export::ExportKind::Children),
            &args,
            out,
        ),
        Command::Export(ExportCommand::FollowUps(args)) => export::records(
            &open(global)?,
            Some(daakhla_export::ExportKind::FollowUps),
            &args,
            out,
        ),
        Command::Export(ExportCommand::Schools(args)) => export::records(
            &open(global)?,
            Some(daakhla_export::ExportKind::Schools),
            &args,
            out,
        ),
        Command::Export(ExportCommand::Needs(args)) => export::records(
            &open(global)?,
            Some(daakhla_export::ExportKind::Needs),
            &args,
            out,
        ),
        Command::Export(ExportCommand::All(args)) => {
            export::records(&open(global)?, None, &args, out)
        }
        Command::Digest { uc } => digest::show(&open(global)?, &uc, out),
    }
}

fn open(global: &Global) -> Result<Store, CliError> {
    let mut store = if global.plain {
        Store::open(&global.store)?
    } else {
        Store::open_with_key(&global.store, &*keys(global))?
    };
    store.set_author(&global.author);
    Ok(store)
}

/// Creates the store: encrypted with its key unless `--plain`.
fn create(global: &Global) -> Result<Store, CliError> {
    Ok(if global.plain {
        Store::create(&global.store)?
    } else {
        Store::create_with_key(&global.store, &*keys(global))?
    })
}

/// `--store-key` (or `DAAKHLA_STORE_KEY`, which clap reads into it), else the device's keys.
fn keys(global: &Global) -> Box<dyn daakhla_store::KeySource + Send + Sync> {
    match daakhla_keys::explicit(global.store_key.as_deref()) {
        Some(key) => Box::new(key),
        None => Box::new(daakhla_keys::DeviceKeys::default()),
    }
}

/// The rules' view of the world: today is the device's date.
fn context() -> Context {
    Context {
        today: chrono::Local::now().date_naive(),
    }
}

/// Reads a file, or standard input for `-` or no file.
fn read_input(file: Option<&Path>) -> Result<String, CliError> {
    let mut text = String::new();
    match file {
        Some(path) if path != Path::new("-") => {
            text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
                path: path.into(),
                source,
            })?;
        }
        _ => {
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|source| CliError::Read {
                    path: PathBuf::from("-"),
                    source,
                })?;
        }
    }
    Ok(text)
}

fn parse_id<T: std::str::FromStr>(text: &str) -> Result<T, CliError> {
    text.trim()
        .parse()
        .map_err(|_| CliError::BadId(text.to_string()))
}
