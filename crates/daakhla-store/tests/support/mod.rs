//! What the store's tests share.

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
