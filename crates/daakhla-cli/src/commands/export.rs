//! Exports. `daakhla export <kind>` is for people: labels and headers in the output's language,
//! places by name. `daakhla export csv` is for scripts: the columns it has always had, headed by
//! their keys, closed-list values as codes (stable) or labels in English or Urdu. Both are
//! written by `daakhla_export`, so every file is formula-safe the same way.

use crate::cli::{ExportKind, ValuesArg};
use crate::error::CliError;
use daakhla_domain::{Lang, RecordKind};
use daakhla_export::{ExportError, Exporter, Values};
use daakhla_store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `daakhla export csv`: one kind of record as CSV for scripts, into `file` or standard output.
pub fn csv(
    store: &Store,
    kind: ExportKind,
    file: Option<&Path>,
    values: ValuesArg,
) -> Result<(), CliError> {
    let kind = match kind {
        ExportKind::Households => daakhla_export::ExportKind::Households,
        ExportKind::Children => daakhla_export::ExportKind::Children,
        ExportKind::FollowUps => daakhla_export::ExportKind::FollowUps,
    };
    let values = match values {
        ValuesArg::Codes => Values::Codes,
        ValuesArg::En => Values::Labels(Lang::En),
        ValuesArg::Ur => Values::Labels(Lang::Ur),
    };
    let places = store.place_tree()?;
    let target = file.map_or_else(|| PathBuf::from("-"), Path::to_path_buf);
    let write_error = |e: ExportError| match e {
        ExportError::Write(source) => CliError::Write {
            path: target.clone(),
            source,
        },
        other => CliError::from(other),
    };
    let sink: Box<dyn Write> = match file {
        Some(path) => Box::new(
            std::fs::File::create(path).map_err(|source| CliError::Write {
                path: path.into(),
                source,
            })?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut exporter = Exporter::for_scripts(kind, values, &places, sink).map_err(write_error)?;
    if kind == daakhla_export::ExportKind::Households {
        store.for_each_stored(RecordKind::Child, None, |child| {
            exporter.count_child(&child).map_err(write_error)
        })?;
    }
    store.for_each_stored(kind.record_kind(), None, |record| {
        exporter.push(&record).map_err(write_error)
    })?;
    let (mut sink, _) = exporter.finish().map_err(write_error)?;
    sink.flush().map_err(|source| CliError::Write {
        path: target.clone(),
        source,
    })
}

/// Exports for people (`daakhla export <kind>`): labels and headers in the output's language,
/// places by name, as CSV, XLSX or GeoJSON; `kind` none is every kind into a folder.
pub fn records(
    store: &Store,
    kind: Option<daakhla_export::ExportKind>,
    args: &crate::cli::ExportArgs,
    out: &crate::output::Output,
) -> Result<(), CliError> {
    use daakhla_export::{ExportKind as Kind, ExportRequest, Format};
    let format = match args.format {
        crate::cli::FormatArg::Csv => Format::Csv,
        crate::cli::FormatArg::Xlsx => Format::Xlsx,
        crate::cli::FormatArg::Geojson => Format::GeoJson,
    };
    let places = store.place_tree()?;
    let kinds: Vec<Kind> = match kind {
        Some(kind) => vec![kind],
        None => {
            std::fs::create_dir_all(&args.out).map_err(|source| CliError::Write {
                path: args.out.clone(),
                source,
            })?;
            Kind::ALL
                .into_iter()
                .filter(|k| format != Format::GeoJson || k.has_location())
                .collect()
        }
    };
    let into_folder = kind.is_none();
    let ucs = args.uc.clone().map(|uc| vec![uc]);
    let mut written = Vec::new();
    for kind in kinds {
        let request = ExportRequest {
            kind,
            format,
            lang: out.lang,
            uc: args.uc.clone(),
        };
        let path = if into_folder {
            args.out.join(request.file_name())
        } else {
            args.out.clone()
        };
        request.check(&places)?;
        let file = std::fs::File::create(&path).map_err(|source| CliError::Write {
            path: path.clone(),
            source,
        })?;
        let mut exporter = Exporter::new(request, &places, std::io::BufWriter::new(file))?;
        store.for_each_stored(kind.record_kind(), ucs.as_deref(), |record| {
            exporter.push(&record).map_err(CliError::from)
        })?;
        let (_, exported) = exporter.finish()?;
        written.push(serde_json::json!({
            "kind": kind.code(),
            "path": path.display().to_string(),
            "rows": exported.rows,
            "skipped_without_gps": exported.skipped,
        }));
    }
    out.show(&written, || {
        written
            .iter()
            .map(|w| match out.lang {
                Lang::En => format!(
                    "{}: {} rows → {}",
                    w["kind"].as_str().unwrap_or(""),
                    w["rows"],
                    w["path"].as_str().unwrap_or("")
                ),
                Lang::Ur => format!(
                    "{}: {} قطاریں ← {}",
                    w["kind"].as_str().unwrap_or(""),
                    w["rows"],
                    w["path"].as_str().unwrap_or("")
                ),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}
