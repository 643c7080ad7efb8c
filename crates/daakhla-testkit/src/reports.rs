//! Reports as a device computes them over its own store.

use chrono::NaiveDate;
use daakhla_reports::{Report, ReportRequest, SqliteSource, Visible};
use daakhla_store::Store;

/// The report the device holding `store` shows for `request` on `today`, all of it visible.
pub fn on_device(store: &Store, request: &ReportRequest, today: NaiveDate) -> Report {
    daakhla_reports::report(
        &mut SqliteSource(store.connection()),
        request,
        &Visible::All,
        today,
    )
    .unwrap()
}

/// The report of one union council on 1 November 2026, as a supervisor reads it.
pub fn union_council(store: &Store, uc: &str) -> Report {
    let request = ReportRequest {
        area: Some(uc.into()),
        ..Default::default()
    };
    on_device(
        store,
        &request,
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
    )
}
