//! Exports from the app: one kind of record into a file in the app's exports folder (beside
//! its store, in the app's data folder) or a folder the user chose. The answer carries the
//! file's bytes too, because on a phone a path in the app's own folder is out of reach: the
//! screen shares them (the phone's share sheet) or saves a copy where the user can open it.

use crate::App;
use crate::error::{AppError, ErrorKind};
use base64::prelude::{BASE64_STANDARD, Engine};
use daakhla_domain::Lang;
use daakhla_export::{ExportError, ExportKind, ExportRequest, Exporter, Format};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ExportFileRequest {
    /// households, children, follow-ups, schools or needs.
    pub kind: String,
    /// csv, xlsx or geojson.
    pub format: String,
    #[ts(type = "Lang")]
    pub lang: Lang,
    /// One union council, or all the device holds.
    pub uc_code: Option<String>,
    /// Where to write; the app's exports folder when none.
    pub folder: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ExportedFile {
    pub path: String,
    /// The name to share or save it under, such as `children-UC-T1.xlsx`.
    pub file_name: String,
    pub media_type: String,
    /// The file itself, base64 (JSON carries no bytes).
    pub content_base64: String,
    pub rows: u32,
    /// Left out of a map: records without a GPS fix.
    pub skipped: u32,
}

impl From<ExportError> for AppError {
    fn from(e: ExportError) -> AppError {
        let kind = match e {
            ExportError::UnknownPlace(_) => ErrorKind::NotFound,
            ExportError::Write(_) => ErrorKind::Store,
            _ => ErrorKind::BadRequest,
        };
        AppError::new(kind, e.message(Lang::En), e.message(Lang::Ur))
    }
}

impl App {
    pub fn export_records(&self, request: ExportFileRequest) -> Result<ExportedFile, AppError> {
        let export = ExportRequest {
            kind: ExportKind::parse(&request.kind)?,
            format: Format::parse(&request.format)?,
            lang: request.lang,
            uc: request.uc_code.filter(|uc| !uc.is_empty()),
        };
        let store = self.store();
        let places = store.place_tree()?;
        export.check(&places)?;
        let folder = match request.folder.filter(|f| !f.trim().is_empty()) {
            Some(folder) => PathBuf::from(folder),
            None => store
                .path()
                .parent()
                .map_or_else(|| PathBuf::from("exports"), |dir| dir.join("exports")),
        };
        std::fs::create_dir_all(&folder).map_err(ExportError::Write)?;
        let file_name = export.file_name();
        let media_type = export.format.media_type().to_string();
        let path = folder.join(&file_name);
        let kind = export.kind.record_kind();
        let ucs = export.uc.clone().map(|uc| vec![uc]);
        // Written in memory first: the answer carries the bytes, and a failed export leaves no
        // half-written file behind.
        let mut exporter = Exporter::new(export, &places, Vec::new())?;
        store.for_each_stored(kind, ucs.as_deref(), |record| {
            exporter.push(&record).map_err(AppError::from)
        })?;
        let (content, exported) = exporter.finish()?;
        std::fs::write(&path, &content).map_err(ExportError::Write)?;
        Ok(ExportedFile {
            path: path.display().to_string(),
            file_name,
            media_type,
            content_base64: BASE64_STANDARD.encode(content),
            rows: exported.rows as u32,
            skipped: exported.skipped as u32,
        })
    }
}
