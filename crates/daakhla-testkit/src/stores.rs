//! Device stores on temporary files, and what passes between them.

use daakhla_domain::ids::HouseholdId;
use daakhla_domain::input::apply_survey_patch;
use daakhla_domain::validation::Context;
use daakhla_store::{IncomingChange, Store};
use serde_json::Value;
use std::path::Path;

/// A store of its own (`store.sqlite` in a new temporary directory, kept as long as the
/// `TempDir` is) with the places of `places::import`, and no author set.
pub fn temporary() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path().join("store.sqlite")).unwrap();
    crate::places::import(&mut store);
    (dir, store)
}

/// `name`'s device store, `NAME.sqlite` in `dir`, with the places of `places::import`; its
/// edits are written by `name`.
pub fn device_store(dir: &Path, name: &str) -> Store {
    let mut store = Store::create(dir.join(format!("{name}.sqlite"))).unwrap();
    crate::places::import(&mut store);
    store.set_author(name);
    store
}

/// Sends every change `from` has not sent yet to `to`, as a server would relay them; how many.
pub fn relay(from: &mut Store, to: &mut Store) -> usize {
    let outgoing = from.changes_to_push(100_000).unwrap();
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

/// Edits the stored survey of household `id` with `patch`, as the app's edit form does.
pub fn edit(store: &mut Store, id: HouseholdId, patch: &Value, ctx: &Context) {
    let edited = apply_survey_patch(&store.survey(id).unwrap(), patch).unwrap();
    store.replace_surveys(&[edited], ctx, &mut |_| {}).unwrap();
}

/// Every row of every table of a store without a key, read from its file apart from the
/// store: what "nothing was written" is checked against.
pub fn dump(store: &Store) -> Vec<String> {
    let conn = rusqlite::Connection::open_with_flags(
        store.path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    crate::sqlite::dump(&conn)
}
