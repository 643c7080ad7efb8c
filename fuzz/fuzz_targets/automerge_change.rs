//! Automerge changes as the server and the stores read them: `change_from_bytes`, then
//! `fields_written` (how a push is placed), then `RecordDoc::load_and_apply` (how a record is
//! materialised), alone in a fresh document and after a record's own changes on its saved
//! document; the document read, saved and loaded again. No panic may leave these (Automerge's
//! own panics are caught inside `daakhla_crdt`, by design), and nothing may hang.
//!
//! Checked: a saved document loads again and reads the same.
#![no_main]

use daakhla_crdt::{RecordDoc, change_from_bytes, fields_of, fields_written, stamp_of};
use daakhla_fuzz::{actor, no_panic_escapes};
use std::sync::OnceLock;

fn base() -> &'static (Vec<u8>, Vec<daakhla_crdt::Change>) {
    static BASE: OnceLock<(Vec<u8>, Vec<daakhla_crdt::Change>)> = OnceLock::new();
    BASE.get_or_init(|| {
        (
            daakhla_fuzz::base_document(),
            daakhla_fuzz::record_changes(),
        )
    })
}

fn materialise(saved: Option<&[u8]>, changes: Vec<daakhla_crdt::Change>) {
    let scratch = actor(0);
    let Ok((mut doc, _refused)) = RecordDoc::load_and_apply(saved, &scratch, &changes) else {
        return;
    };
    let _ = doc.missing();
    let read = doc.read().ok();
    let bytes = doc.save();
    let again = RecordDoc::load(&bytes, &scratch).expect("a saved document loads");
    assert_eq!(again.read().ok(), read, "a saved document reads the same");
}

libfuzzer_sys::fuzz_target!(init: daakhla_fuzz::remember_panics(), |data: &[u8]| {
    no_panic_escapes(|| {
        let Ok(change) = change_from_bytes(data.to_vec()) else {
            return;
        };
        let _ = change.hash();
        let _ = fields_written(&change);
        let _ = fields_of(&change);
        let _ = stamp_of(&change);
        materialise(None, vec![change.clone()]);
        let (saved, record) = base();
        let mut after = record[1..].to_vec();
        after.push(change);
        materialise(Some(saved), after);
    })
});
