//! The progress screen: the same figures, drill-down and child stories the supervisors'
//! dashboard reads from the server, computed by `daakhla-reports` over this device's store.
//! The device holds only its own places, so all of it is visible; retention milestones are
//! counted up to the device's date.

use crate::error::{AppError, ErrorKind, FieldError};
use crate::{App, IdRequest};
use chrono::NaiveDate;
use daakhla_domain::Lang;
use daakhla_reports::{ChildRow, ChildStory, Report, ReportError, ReportRequest, Visible};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which figures: a place code (none or empty: everything on the device) and an optional
/// date range, inclusive, as the form's date fields give it (`YYYY-MM-DD`, empty for none).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct ProgressRequest {
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

/// A village, for its out-of-school children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct VillageRequest {
    pub village: String,
}

/// The request's field as the form names it, in both languages.
fn field_names(path: &str) -> (&'static str, &'static str) {
    match path {
        "from" => ("From", "سے"),
        "to" => ("To", "تک"),
        "village" => ("Village", "گاؤں"),
        "id" => ("Child", "بچہ"),
        _ => ("Area", "علاقہ"),
    }
}

/// One broken field: the whole error says which, and `fields` places it in the form.
fn field_error(kind: ErrorKind, path: &str, rule: &str, en: String, ur: String) -> AppError {
    let (name_en, name_ur) = field_names(path);
    AppError {
        kind,
        en: format!("{name_en}: {en}"),
        ur: format!("{name_ur}: {ur}"),
        fields: vec![FieldError {
            path: path.into(),
            rule: rule.into(),
            en,
            ur,
            field_en: name_en.into(),
            field_ur: name_ur.into(),
        }],
    }
}

/// A form's date: empty is none; anything else must be a calendar date.
fn date(path: &str, text: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            field_error(
                ErrorKind::Invalid,
                path,
                "date",
                format!("{text:?} is not a date; write it as year-month-day, e.g. 2025-03-01"),
                format!("{text:?} تاریخ نہیں؛ سال-مہینہ-دن لکھیں، مثلاً 2025-03-01"),
            )
        })
}

/// A report's failure, naming the field of the request at fault.
pub(crate) fn report_error(e: ReportError, path: &str) -> AppError {
    let (kind, path, rule) = match &e {
        ReportError::UnknownPlace(_) => (ErrorKind::NotFound, path, "unknown_place"),
        ReportError::OutOfScope(_) => (ErrorKind::NotFound, path, "out_of_scope"),
        ReportError::UnknownChild(_) => (ErrorKind::NotFound, path, "unknown_child"),
        ReportError::EmptyRange { .. } => (ErrorKind::Invalid, "to", "date_range"),
        _ => {
            return AppError::new(ErrorKind::Store, e.message(Lang::En), e.message(Lang::Ur));
        }
    };
    field_error(kind, path, rule, e.message(Lang::En), e.message(Lang::Ur))
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

impl App {
    /// An area's figures over the device's store.
    pub fn report(&self, request: ProgressRequest) -> Result<Report, AppError> {
        let request = ReportRequest {
            area: non_empty(request.area),
            from: date("from", request.from.as_deref())?,
            to: date("to", request.to.as_deref())?,
        };
        let as_of = self.today();
        let store = self.store();
        daakhla_reports::report(
            &mut daakhla_reports::SqliteSource(store.connection()),
            &request,
            &Visible::All,
            as_of,
        )
        .map_err(|e| report_error(e, "area"))
    }

    /// A village's out-of-school children.
    pub fn report_children(&self, request: VillageRequest) -> Result<Vec<ChildRow>, AppError> {
        let village = request.village.trim();
        let store = self.store();
        daakhla_reports::children_of_village(
            &mut daakhla_reports::SqliteSource(store.connection()),
            village,
            &Visible::All,
        )
        .map_err(|e| report_error(e, "village"))
    }

    /// A child's story: the survey row, where the child stands and every visit.
    pub fn report_child(&self, request: IdRequest) -> Result<ChildStory, AppError> {
        let store = self.store();
        daakhla_reports::child_story(
            &mut daakhla_reports::SqliteSource(store.connection()),
            request.id.trim(),
            &Visible::All,
        )
        .map_err(|e| report_error(e, "id"))
    }
}
