//! Records as documents: every write of a record is also an Automerge change, kept with the
//! document in the same transaction as the record's rows. This is what sync sends, what a
//! record's history is read from, and where conflicts come from.

use crate::StoreError;
use daakhla_crdt::{ActorId, Change, Materialised, RecordDoc, Stamp, fields_of};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::Value;

pub use daakhla_domain::RecordKind;

/// The materialised table a kind's rows live in.
pub(crate) fn table(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Household => "households",
        RecordKind::Child => "children",
        RecordKind::FollowUp => "follow_ups",
        RecordKind::School => "schools",
        RecordKind::Need => "needs",
    }
}

/// Who this device is: its id, and the actor its changes are written as.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub device: String,
    pub actor: ActorId,
}

impl Identity {
    /// Reads the device's id, making one the first time, and takes a new Automerge actor for
    /// this session. An actor is never reused across openings: a store restored from a backup,
    /// or copied to a second phone, would otherwise number its next changes like ones that
    /// already went out, and every other copy would refuse them.
    pub fn load_or_create(tx: &rusqlite::Connection) -> Result<Identity, StoreError> {
        let stored: Option<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'device_id'",
                [],
                |row| row.get(0),
            )
            .optional()?;
        let device = match stored {
            Some(device) => device,
            None => {
                let device = uuid::Uuid::now_v7().to_string();
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('device_id', ?1)",
                    [&device],
                )?;
                device
            }
        };
        Ok(Identity {
            device,
            actor: ActorId::random(),
        })
    }
}

/// A received record as its document holds it now.
pub(crate) struct ReceivedRecord {
    pub record: Value,
    /// How many of the changes could not be applied at all (kept, marked, never tried again).
    pub unappliable: usize,
    pub in_conflict: bool,
}

/// Writes records inside one transaction, as one person on this device at one moment.
pub(crate) struct Editor<'a> {
    pub tx: &'a Transaction<'a>,
    pub identity: &'a Identity,
    pub author: &'a str,
    pub at: i64,
}

impl Editor<'_> {
    /// Records `record` as the new state of document `id`: one change holding the fields
    /// that differ (none if nothing does), saved with the document and its conflicts.
    pub fn record<T: Serialize>(
        &self,
        kind: RecordKind,
        id: &str,
        record: &T,
    ) -> Result<(), StoreError> {
        let value = serde_json::to_value(record)?;
        let saved = self.stored_doc(id)?;
        let mut doc = match &saved {
            Some(bytes) => RecordDoc::load(bytes, &self.identity.actor)?,
            None => RecordDoc::new(&self.identity.actor),
        };
        let stamp = Stamp {
            author: self.author.to_string(),
            device: self.identity.device.clone(),
            at: self.at,
        };
        let Some(change) = doc.write(&value, &stamp)? else {
            return Ok(());
        };
        self.save_doc(kind, id, &mut doc, saved.is_none())?;
        self.insert_change(id, &change, true, &stamp, true, &fields_of(&change))
    }

    /// Applies changes received for document `id` (and any received earlier that were
    /// waiting for these), saves it, and returns the record it now holds.
    pub fn receive(
        &self,
        kind: RecordKind,
        id: &str,
        incoming: Vec<Change>,
    ) -> Result<ReceivedRecord, StoreError> {
        let mut all = incoming;
        let fresh = all.len();
        {
            let mut waiting = self.tx.prepare_cached(
                "SELECT bytes FROM changes WHERE doc_id = ?1 AND NOT applied AND unappliable IS NULL",
            )?;
            for bytes in waiting.query_map([id], |row| row.get::<_, Vec<u8>>(0))? {
                all.push(daakhla_crdt::change_from_bytes(bytes?)?);
            }
        }
        let saved = self.stored_doc(id)?;
        let (mut doc, unappliable) =
            RecordDoc::load_and_apply(saved.as_deref(), &self.identity.actor, &all)?;
        for change in &all[..fresh] {
            let stamp = daakhla_crdt::stamp_of(change).unwrap_or(Stamp {
                author: String::new(),
                device: String::new(),
                at: change.timestamp(),
            });
            let applied = doc.has(&change.hash());
            self.insert_change(id, change, false, &stamp, applied, &doc.fields_of(change))?;
        }
        for change in &all[fresh..] {
            if doc.has(&change.hash()) {
                self.tx
                    .prepare_cached("UPDATE changes SET applied = 1 WHERE hash = ?1")?
                    .execute([change.hash().0.as_slice()])?;
            }
        }
        for refused in &unappliable {
            self.tx
                .prepare_cached("UPDATE changes SET unappliable = ?2 WHERE hash = ?1")?
                .execute(params![refused.hash.0.to_vec(), refused.why])?;
        }
        let read = self.save_doc(kind, id, &mut doc, saved.is_none())?;
        Ok(ReceivedRecord {
            record: Value::Object(read.fields),
            unappliable: unappliable.len(),
            in_conflict: !read.conflicts.is_empty(),
        })
    }

    fn stored_doc(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT bytes FROM documents WHERE id = ?1")?
            .query_row([id], |row| row.get(0))
            .optional()?)
    }

    /// Saves the document and its conflicts (a new one has none to clear); answers what it
    /// holds, read once for both.
    fn save_doc(
        &self,
        kind: RecordKind,
        id: &str,
        doc: &mut RecordDoc,
        new: bool,
    ) -> Result<Materialised, StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO documents (id, kind, bytes) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET bytes = excluded.bytes",
            )?
            .execute(params![id, kind.code(), doc.save()])?;
        let read = doc.read()?;
        if !new {
            self.tx
                .prepare_cached("DELETE FROM conflicts WHERE doc_id = ?1")?
                .execute([id])?;
        }
        for conflict in &read.conflicts {
            self.tx
                .prepare_cached(
                    "INSERT INTO conflicts (doc_id, field, winner, losers) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![
                    id,
                    conflict.field,
                    conflict.winner.to_string(),
                    Value::from(conflict.losers.clone()).to_string()
                ])?;
        }
        Ok(read)
    }

    fn insert_change(
        &self,
        doc_id: &str,
        change: &Change,
        local: bool,
        stamp: &Stamp,
        applied: bool,
        fields: &[String],
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO changes (doc_id, hash, bytes, local, pushed, actor, at, author, device, fields, applied)
                 VALUES (?1, ?2, ?3, ?4, NOT ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                doc_id,
                change.hash().0.as_slice(),
                change.raw_bytes(),
                local,
                change.actor_id().to_hex_string(),
                stamp.at,
                stamp.author,
                stamp.device,
                serde_json::to_string(fields)?,
                applied,
            ])?;
        Ok(())
    }
}

/// Makes documents for records written before records had them (schema 2 stores), as
/// changes of this device that will sync like any edit.
pub(crate) fn backfill(tx: &Transaction) -> Result<(), StoreError> {
    let identity = Identity::load_or_create(tx)?;
    let editor = Editor {
        tx,
        identity: &identity,
        author: "migration",
        at: chrono::Utc::now().timestamp(),
    };
    // The kinds a schema 2 store held.
    for kind in [
        RecordKind::Household,
        RecordKind::Child,
        RecordKind::FollowUp,
    ] {
        let rows: Vec<(String, String)> = tx
            .prepare(&format!(
                "SELECT id, body FROM {} WHERE id NOT IN (SELECT id FROM documents) ORDER BY rowid",
                table(kind)
            ))?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (id, body) in rows {
            let record: Value = serde_json::from_str(&body)?;
            editor.record(kind, &id, &record)?;
        }
    }
    Ok(())
}
