//! The vocabulary of an enrolment drive: geography, household surveys, children, follow-ups,
//! schools and their needs, officials, advocacy and meetings; the closed lists they use, with
//! stable codes and English and Urdu labels; and the validation rules every record must pass.
//!
//! This crate does no I/O: it never reads a clock, a file or a database. Whatever a rule
//! needs from the outside world (today's date, the child's survey date, the household numbers
//! already used in a village) is handed to it.

pub mod advocacy;
pub mod child;
pub mod codes;
pub mod digest;
pub mod followup;
pub mod geography;
pub mod household;
pub mod ids;
pub mod input;
pub mod lang;
pub mod lifecycle;
pub mod likeness;
pub mod merges;
pub mod record;
pub mod school;
pub mod validation;

pub use lang::Lang;
pub use record::RecordKind;
pub use validation::{Context, FieldPath, Rule, Validate, Violation, Violations};
