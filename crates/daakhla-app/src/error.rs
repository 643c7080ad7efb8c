//! Every failure of a command becomes one `AppError`: what happened, in English and Urdu, and
//! for invalid input each field that broke a rule, named by its path in the command's input.

use daakhla_domain::{Lang, Violations};
use daakhla_store::StoreError;
use daakhla_sync::SyncError;
use serde::Serialize;
use ts_rs::TS;

/// What kind of failure, for the UI to choose what to offer next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input broke rules: see `fields`. Nothing was saved.
    Invalid,
    NotFound,
    /// The server could not be reached or refused; what was synced before stays.
    Sync,
    /// The device has no server address or token yet.
    NotEnrolled,
    /// The store could not be read or written.
    Store,
    /// The request itself was malformed (a bug in the UI, not the user's doing).
    BadRequest,
}

/// One rule broken at one field of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FieldError {
    /// The field's path in the command's input, e.g. `children[1].age_years`.
    pub path: String,
    pub rule: String,
    pub en: String,
    pub ur: String,
    /// The field as a person names it: "Child 1 › Age in years".
    pub field_en: String,
    pub field_ur: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{en}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub en: String,
    pub ur: String,
    pub fields: Vec<FieldError>,
}

impl AppError {
    pub fn new(kind: ErrorKind, en: impl Into<String>, ur: impl Into<String>) -> AppError {
        AppError {
            kind,
            en: en.into(),
            ur: ur.into(),
            fields: Vec::new(),
        }
    }

    pub fn bad_request(detail: impl std::fmt::Display) -> AppError {
        AppError::new(
            ErrorKind::BadRequest,
            format!("the app sent a request that could not be read: {detail}"),
            format!("ایپ کی درخواست پڑھی نہیں جا سکی: {detail}"),
        )
    }

    /// Invalid input, each violation placed at its field in the input by `input_path`.
    pub fn invalid(violations: &Violations, input_path: &dyn Fn(&str) -> String) -> AppError {
        AppError::invalid_fields(
            violations
                .0
                .iter()
                .map(|v| FieldError {
                    path: input_path(&v.field.to_string()),
                    rule: v.rule.code().into(),
                    en: v.rule.message(Lang::En),
                    ur: v.rule.message(Lang::Ur),
                    field_en: v.field.label(Lang::En),
                    field_ur: v.field.label(Lang::Ur),
                })
                .collect(),
        )
    }

    /// Invalid input, its message naming the first field broken and how many more there are.
    pub fn invalid_fields(fields: Vec<FieldError>) -> AppError {
        let (en, ur) = match fields.first() {
            None => (
                "Nothing was saved: please correct the fields marked.".to_string(),
                "کچھ محفوظ نہیں ہوا: براہ کرم نشان زدہ خانے درست کریں۔".to_string(),
            ),
            Some(first) => {
                let more = fields.len() - 1;
                let (more_en, more_ur) = match more {
                    0 => (String::new(), String::new()),
                    1 => (
                        " (and 1 more field marked)".to_string(),
                        " (اور 1 مزید نشان زدہ خانہ)".to_string(),
                    ),
                    n => (
                        format!(" (and {n} more fields marked)"),
                        format!(" (اور {n} مزید نشان زدہ خانے)"),
                    ),
                };
                (
                    format!(
                        "Nothing was saved – {}: {}{more_en}.",
                        first.field_en, first.en
                    ),
                    format!(
                        "کچھ محفوظ نہیں ہوا – {}: {}{more_ur}۔",
                        first.field_ur, first.ur
                    ),
                )
            }
        };
        AppError {
            kind: ErrorKind::Invalid,
            en,
            ur,
            fields,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        let kind = match &e {
            StoreError::Invalid(violations) => {
                return AppError::invalid(violations, &|path| path.to_string());
            }
            StoreError::NotFound { .. } => ErrorKind::NotFound,
            _ => ErrorKind::Store,
        };
        AppError::new(kind, e.message(Lang::En), e.message(Lang::Ur))
    }
}

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> AppError {
        match e {
            SyncError::Store(e) => e.into(),
            e => AppError::new(ErrorKind::Sync, e.message(Lang::En), e.message(Lang::Ur)),
        }
    }
}
