//! What the store's tests share. Each test file uses some of it.
#![allow(dead_code)]

use daakhla_store::{IncomingChange, Store};

/// Sends every change `from` has not sent yet to `to`, as a server would relay them.
pub fn relay(from: &mut Store, to: &mut Store) -> usize {
    let outgoing = from.changes_to_push(10_000).unwrap();
    let incoming: Vec<IncomingChange> = outgoing
        .iter()
        .map(|c| IncomingChange {
            doc_id: c.doc_id.clone(),
            kind: c.kind,
            bytes: c.bytes.clone(),
        })
        .collect();
    to.receive(&incoming, None).unwrap();
    if let Some(last) = outgoing.last() {
        from.mark_pushed(last.seq).unwrap();
    }
    outgoing.len()
}

/// The report of one union council, as a supervisor reads it.
pub fn uc_report(store: &Store, uc: &str) -> daakhla_reports::Report {
    let request = daakhla_reports::ReportRequest {
        area: Some(uc.into()),
        ..Default::default()
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    daakhla_reports::report(
        &mut daakhla_reports::SqliteSource(store.connection()),
        &request,
        &daakhla_reports::Visible::All,
        today,
    )
    .unwrap()
}
