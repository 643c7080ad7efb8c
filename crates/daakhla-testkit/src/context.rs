//! The day rules are checked on.

use daakhla_domain::validation::Context;

/// The day records are checked on: 22 November 2026, after every date the tests' records give
/// and fixed, so that a test saves the same records whenever it runs.
pub fn ctx() -> Context {
    Context {
        today: "2026-11-22".parse().unwrap(),
    }
}
