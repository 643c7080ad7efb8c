//! Where a pushed change's record belongs, read from the record itself: a household's or a
//! school's `uc_code`, a child's household, a follow-up's child, a need's school. The union
//! council a device sends beside each change is checked against it, never trusted: a crafted
//! label cannot put a record into another union council, an edit cannot move one there, and
//! a record cannot hang on another union council's record.

use crate::ServerError;
use crate::backend::{ChangeLog, Documents};
use daakhla_crdt::{Change, FieldWritten};
use daakhla_domain::record::Placement;
use daakhla_wire::{Kind, WireChange};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Checks every change of a push, in order, and returns them read. A change is refused when
/// its record would be outside `allowed` (none: everywhere), would be something else or
/// somewhere else than the log knows it as, or hangs on a record the log does not hold; and
/// when it is not a flat record of plain values. Records placed earlier in the same push
/// count as known.
pub(crate) fn place_push(
    log: &mut dyn ChangeLog,
    allowed: Option<&BTreeSet<String>>,
    changes: &[WireChange],
) -> Result<Vec<Change>, ServerError> {
    // Every change read first, so that the documents they name are looked up at once.
    let mut read = Vec::with_capacity(changes.len());
    for change in changes {
        let doc_id = change.doc_id.to_string();
        let refused = |e: daakhla_crdt::CrdtError| match e {
            daakhla_crdt::CrdtError::NestedObject { field } => ServerError::NotPlain {
                doc_id: doc_id.clone(),
                field,
            },
            other => ServerError::BadRequest(format!("record {doc_id}: {other}")),
        };
        let parsed = daakhla_crdt::change_from_bytes(change.bytes.clone()).map_err(refused)?;
        let written = daakhla_crdt::fields_written(&parsed).map_err(refused)?;
        read.push((doc_id, parsed, written));
    }
    let mut named: Vec<String> = Vec::with_capacity(read.len() * 2);
    for ((doc_id, _, written), change) in read.iter().zip(changes) {
        named.push(doc_id.clone());
        if let Placement::Parent { field, .. } = change.kind.placement()
            && let Some(Some(Value::String(parent))) = written
                .iter()
                .rev()
                .find(|w| w.field == field)
                .map(|w| &w.value)
        {
            named.push(parent.clone());
        }
    }
    named.sort();
    named.dedup();
    let logged = log.documents(&named)?;

    let mut placed: Documents = HashMap::new();
    let mut parsed_changes = Vec::with_capacity(changes.len());
    for ((doc_id, parsed, written), change) in read.into_iter().zip(changes) {
        // A record is its document: an `id` naming another would show one record as two.
        if let Some(written_id) = written.iter().rev().find(|w| w.field == "id")
            && written_id.value != Some(Value::String(doc_id.clone()))
        {
            return Err(ServerError::NoPlace {
                doc_id,
                field: "id",
            });
        }
        let known = placed.get(&doc_id).or(logged.get(&doc_id)).cloned();
        let mismatch = |kind: Kind, scope: &str| ServerError::Mismatch {
            doc_id: doc_id.clone(),
            known: kind.code().to_string(),
            known_scope: scope.to_string(),
        };
        if let Some((kind, scope)) = &known
            && *kind != change.kind
        {
            return Err(mismatch(*kind, scope));
        }
        let scope = match record_scope(
            [&placed, &logged],
            change.kind,
            &doc_id,
            &written,
            known.as_ref(),
        ) {
            // Hung on a record never sent here: if even its label is outside the device's
            // union councils (the household was refused), say so rather than wait for it.
            Err(ServerError::UnknownParent { .. })
                if allowed.is_some_and(|ucs| !ucs.contains(&change.scope)) =>
            {
                return Err(ServerError::OutOfScope {
                    doc_id,
                    scope: change.scope.clone(),
                });
            }
            placed => placed?,
        };
        if let Some((kind, known_scope)) = &known
            && *known_scope != scope
        {
            return Err(mismatch(*kind, known_scope));
        }
        if allowed.is_some_and(|ucs| !ucs.contains(&scope)) {
            return Err(ServerError::OutOfScope { doc_id, scope });
        }
        if change.scope != scope {
            return Err(mismatch(change.kind, &scope));
        }
        placed.insert(doc_id, (change.kind, scope));
        parsed_changes.push(parsed);
    }
    Ok(parsed_changes)
}

/// The union council a record is in once `written` is applied; `known` are the documents
/// placed earlier in the push, then those the log holds.
fn record_scope(
    known_documents: [&Documents; 2],
    kind: Kind,
    doc_id: &str,
    written: &[FieldWritten],
    known: Option<&(Kind, String)>,
) -> Result<String, ServerError> {
    let field = match kind.placement() {
        Placement::UnionCouncil { field } | Placement::Parent { field, .. } => field,
    };
    let value = written.iter().rev().find(|w| w.field == field);
    let no_place = || ServerError::NoPlace {
        doc_id: doc_id.to_string(),
        field,
    };
    let named = match value.map(|w| &w.value) {
        Some(Some(Value::String(named))) if !named.is_empty() => named,
        Some(_) => return Err(no_place()),
        None => return known.map(|(_, scope)| scope.clone()).ok_or_else(no_place),
    };
    match kind.placement() {
        Placement::UnionCouncil { .. } => Ok(named.clone()),
        Placement::Parent {
            kind: parent_kind, ..
        } => {
            let parent = known_documents.iter().find_map(|docs| docs.get(named));
            match parent {
                Some((found, scope)) if *found == parent_kind => Ok(scope.clone()),
                _ => Err(ServerError::UnknownParent {
                    doc_id: doc_id.to_string(),
                    field,
                    parent: named.clone(),
                }),
            }
        }
    }
}
