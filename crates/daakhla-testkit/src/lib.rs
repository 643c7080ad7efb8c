//! What the workspace's tests share, written once: the places records are made in, builders of
//! households, children, follow-ups, schools and needs, temporary and device stores, changes
//! relayed between two stores, and every row of a database as text.
//!
//! A dev-dependency only (`publish = false`). It depends on the crates its fixtures make
//! records for and nothing above them: fixtures that need a server or the app stay with the
//! tests of the crate that has them.

pub mod context;
pub mod follow_ups;
pub mod json;
pub mod places;
pub mod reports;
pub mod schools;
pub mod sqlite;
pub mod stores;
pub mod surveys;
