//! The figures supervisors live by (DOMAIN.md), for a union council, district, province or
//! everywhere, over a date range: computed by one set of queries and one piece of Rust on a
//! device store, on the server's SQLite records and on its PostgreSQL ones, so all three give
//! the same numbers. Also the drill-down below a village: its out-of-school children and
//! each child's story.

mod area;
mod children;
mod digest;
mod figures;
mod model;
mod source;

pub use area::Visible;
pub use children::{child_story, children_of_village};
pub use digest::digest_figures;
pub use figures::{AGE_BANDS, report};
pub use model::*;
pub use source::{Cell, Dialect, Param, Source, SqliteSource, numbered_placeholders};

#[cfg(feature = "postgres")]
pub use source::PgSource;

use chrono::NaiveDate;
use daakhla_domain::Lang;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("there is no place with code {0}")]
    UnknownPlace(String),
    #[error("{0} is outside the places you may see")]
    OutOfScope(String),
    #[error("there is no child with id {0}")]
    UnknownChild(String),
    #[error("the date range starts ({from}) after it ends ({to})")]
    EmptyRange { from: NaiveDate, to: NaiveDate },
    #[error("reading the store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[cfg(feature = "postgres")]
    #[error("reading the database: {0}")]
    Postgres(#[from] postgres::Error),
}

impl ReportError {
    /// The error as a sentence in the reader's language.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (ReportError::UnknownPlace(code), Lang::Ur) => {
                format!("کوڈ {code} کی کوئی جگہ نہیں ملی")
            }
            (ReportError::OutOfScope(code), Lang::Ur) => {
                format!("{code} ان جگہوں میں نہیں جو آپ دیکھ سکتے ہیں")
            }
            (ReportError::UnknownChild(id), Lang::Ur) => format!("شناخت {id} کا کوئی بچہ نہیں ملا"),
            (ReportError::EmptyRange { from, to }, Lang::Ur) => {
                format!("تاریخوں کی حد اپنے اختتام ({to}) کے بعد ({from}) شروع ہوتی ہے")
            }
            (_, Lang::Ur) => format!("ڈیٹا پڑھا نہیں جا سکا: {self}"),
        }
    }

    /// True when the request, not the database, is at fault.
    pub fn is_bad_request(&self) -> bool {
        matches!(
            self,
            ReportError::UnknownPlace(_)
                | ReportError::OutOfScope(_)
                | ReportError::UnknownChild(_)
                | ReportError::EmptyRange { .. }
        )
    }
}
