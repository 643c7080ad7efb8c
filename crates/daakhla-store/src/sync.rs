//! What sync needs from the store: the local changes not yet sent, applying changes received
//! (with their records rewritten in the same transaction), where the last pull ended, and
//! what a coordinator reviews: conflicts and each record's history.

use crate::documents::{Editor, RecordKind};
use crate::rows::{self, SqliteRows};
use crate::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A local change waiting to be sent, with the union council it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingChange {
    pub seq: i64,
    pub doc_id: String,
    pub kind: RecordKind,
    /// The union council of the record; none if the store cannot tell (never for records
    /// written through the store).
    pub scope: Option<String>,
    pub bytes: Vec<u8>,
}

/// A change received from elsewhere, for one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingChange {
    pub doc_id: String,
    pub kind: RecordKind,
    pub bytes: Vec<u8>,
}

/// What applying received changes did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Received {
    /// Changes this store did not have before.
    pub new_changes: usize,
    /// Records whose row was rewritten.
    pub records: usize,
    /// Records that now hold a conflict.
    pub in_conflict: usize,
    /// This device's own changes that came back, so the server holds them: marked as sent,
    /// however they came (a pull, or a sync pack from the server).
    pub acknowledged: usize,
    /// Changes Automerge could not apply at all (crafted, or from a broken build): kept,
    /// marked, and never applied; the rest of the batch is.
    pub unappliable: usize,
}

/// A record with changes not yet acknowledged by the server (`Store::unsent_records`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsentRecord {
    pub doc_id: String,
    pub kind: RecordKind,
    /// The household a household, child or visit record belongs to.
    pub household_id: Option<String>,
    /// The server's reason, when it refused the record from this device.
    pub held_back: Option<String>,
}

/// A field in conflict, for a coordinator to resolve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldConflict {
    pub doc_id: String,
    pub kind: RecordKind,
    pub field: String,
    pub winner: Value,
    pub losers: Vec<Value>,
}

/// One change in a record's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// Seconds since 1970 (UTC), as the editing device's clock said.
    pub at: i64,
    pub author: String,
    pub device: String,
    pub fields: Vec<String>,
    /// Made on this device.
    pub local: bool,
}

const CURSOR_KEY: &str = "pull_cursor";

impl Store {
    /// Local changes not yet sent, oldest first, at most `limit`.
    pub fn changes_to_push(&self, limit: usize) -> Result<Vec<OutgoingChange>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.seq, c.doc_id, d.kind, c.bytes,
                    CASE d.kind
                      WHEN 'household' THEN (SELECT uc_code FROM households WHERE id = c.doc_id)
                      WHEN 'child' THEN (SELECT h.uc_code FROM children ch JOIN households h ON h.id = ch.household_id
                                          WHERE ch.id = c.doc_id)
                      WHEN 'follow_up' THEN (SELECT h.uc_code FROM follow_ups f JOIN children ch ON ch.id = f.child_id
                                              JOIN households h ON h.id = ch.household_id WHERE f.id = c.doc_id)
                      WHEN 'school' THEN (SELECT uc_code FROM schools WHERE id = c.doc_id)
                      WHEN 'need' THEN (SELECT s.uc_code FROM needs n JOIN schools s ON s.id = n.school_id
                                         WHERE n.id = c.doc_id)
                    END
               FROM changes c JOIN documents d ON d.id = c.doc_id
              WHERE c.local AND NOT c.pushed AND c.held_back IS NULL ORDER BY c.seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |row| {
            let kind: String = row.get(2)?;
            Ok(OutgoingChange {
                seq: row.get(0)?,
                doc_id: row.get(1)?,
                kind: RecordKind::from_code(&kind).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        2,
                        rusqlite::types::Type::Text,
                        kind.into(),
                    )
                })?,
                bytes: row.get(3)?,
                scope: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Keeps a record's unsent changes from being sent again, with the server's reason.
    pub fn hold_back(&mut self, doc_id: &str, why: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE changes SET held_back = ?2 WHERE doc_id = ?1 AND local AND NOT pushed",
            params![doc_id, why],
        )?;
        Ok(())
    }

    /// Records with changes the server refused, and why: for the coordinator to sort out.
    pub fn held_back(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT doc_id, max(held_back) FROM changes WHERE held_back IS NOT NULL GROUP BY doc_id ORDER BY doc_id",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every record with local changes the server has not acknowledged: its kind, the
    /// household it belongs to (a child's or a visit's; none for schools and needs), and the
    /// server's reason when it is held back. What the app counts as waiting, in records.
    pub fn unsent_records(&self) -> Result<Vec<UnsentRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT c.doc_id, d.kind, max(c.held_back),
                    CASE d.kind
                      WHEN 'household' THEN c.doc_id
                      WHEN 'child' THEN (SELECT household_id FROM children WHERE id = c.doc_id)
                      WHEN 'follow_up' THEN (SELECT ch.household_id FROM follow_ups f
                                              JOIN children ch ON ch.id = f.child_id WHERE f.id = c.doc_id)
                    END
               FROM changes c JOIN documents d ON d.id = c.doc_id
              WHERE c.local AND NOT c.pushed GROUP BY c.doc_id ORDER BY min(c.seq)",
        )?;
        let rows = stmt.query_map([], |row| {
            let kind: String = row.get(1)?;
            Ok(UnsentRecord {
                doc_id: row.get(0)?,
                kind: RecordKind::from_code(&kind).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        1,
                        rusqlite::types::Type::Text,
                        kind.into(),
                    )
                })?,
                held_back: row.get(2)?,
                household_id: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many local changes wait to be sent.
    pub fn changes_waiting_to_push(&self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM changes WHERE local AND NOT pushed AND held_back IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// The records with local changes the server has not acknowledged yet (held back ones
    /// included): what the app shows as "only on this device".
    pub fn records_not_yet_sent(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT doc_id FROM changes WHERE local AND NOT pushed")?;
        let ids = stmt.query_map([], |row| row.get(0))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }

    /// Which of `ids` have local changes not yet sent: for one page of a list, without
    /// reading every record's changes.
    pub fn not_yet_sent_of(
        &self,
        ids: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM changes WHERE doc_id = ?1 AND local AND NOT pushed)",
        )?;
        let mut found = std::collections::HashSet::new();
        for id in ids {
            if stmt.query_row([id], |row| row.get::<_, bool>(0))? {
                found.insert(id.clone());
            }
        }
        Ok(found)
    }

    /// Marks local changes up to `seq` as received by the server.
    pub fn mark_pushed(&mut self, up_to_seq: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE changes SET pushed = 1 WHERE local AND NOT pushed AND seq <= ?1",
            [up_to_seq],
        )?;
        Ok(())
    }

    /// Where the last pull ended; none before the first.
    pub fn pull_cursor(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [CURSOR_KEY],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Applies changes received from elsewhere and, in the same transaction, moves the pull
    /// cursor to `cursor`: a pull cut at any point resumes where its last batch ended, and a
    /// batch applied twice changes nothing.
    pub fn receive(
        &mut self,
        changes: &[IncomingChange],
        cursor: Option<&str>,
    ) -> Result<Received, StoreError> {
        // The write lock first: a second writer of the same file (a server's command beside
        // the running server) then waits its turn instead of failing halfway.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let editor = Editor {
            tx: &tx,
            identity: &self.identity,
            author: &self.author,
            at: chrono::Utc::now().timestamp(),
        };
        let mut fresh = Vec::new();
        let mut acknowledged = 0;
        for incoming in changes {
            let change = daakhla_crdt::change_from_bytes(incoming.bytes.clone())?;
            let hash = change.hash().0.to_vec();
            let known: bool = tx
                .prepare_cached("SELECT 1 FROM changes WHERE hash = ?1")?
                .query_row([&hash], |_| Ok(()))
                .optional()?
                .is_some();
            if known {
                // Only the server hands changes out: one of ours that comes back is held there.
                acknowledged += tx
                    .prepare_cached(
                        "UPDATE changes SET pushed = 1
                          WHERE hash = ?1 AND local AND NOT pushed AND held_back IS NULL",
                    )?
                    .execute([&hash])?;
                continue;
            }
            fresh.push((incoming.doc_id.as_str(), incoming.kind, change));
        }
        let mut received = Received {
            new_changes: fresh.len(),
            acknowledged,
            ..Received::default()
        };
        let mut records = Vec::new();
        for (doc_id, kind, doc_changes) in rows::in_apply_order(fresh) {
            let doc = editor.receive(kind, doc_id, doc_changes)?;
            received.unappliable += doc.unappliable;
            received.in_conflict += usize::from(doc.in_conflict);
            records.push((doc_id, kind, doc.record));
        }
        let sql = &mut SqliteRows(&tx);
        received.records += rows::show(sql, records)?;
        received.records += rows::show_waiting(sql)?;
        rows::relink(sql)?;
        if let Some(cursor) = cursor {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![CURSOR_KEY, cursor],
            )?;
        }
        tx.commit()?;
        Ok(received)
    }

    /// Of these changes, those received and marked as ones Automerge could not apply, with
    /// the reason it gave.
    pub fn unappliable_among(
        &self,
        hashes: &[daakhla_crdt::ChangeHash],
    ) -> Result<Vec<daakhla_crdt::Unappliable>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT unappliable FROM changes WHERE hash = ?1 AND unappliable IS NOT NULL",
        )?;
        let mut refused = Vec::new();
        for hash in hashes {
            if let Some(why) = stmt
                .query_row([hash.0.as_slice()], |row| row.get::<_, String>(0))
                .optional()?
            {
                refused.push(daakhla_crdt::Unappliable { hash: *hash, why });
            }
        }
        Ok(refused)
    }

    /// A device setting (server address, token...), none if never set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Every field in conflict, by record.
    pub fn conflicts(&self) -> Result<Vec<FieldConflict>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT c.doc_id, d.kind, c.field, c.winner, c.losers FROM conflicts c JOIN documents d ON d.id = c.doc_id
              ORDER BY c.doc_id, c.field",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (doc_id, kind, field, winner, losers) = row?;
            Ok(FieldConflict {
                doc_id,
                kind: RecordKind::from_code(&kind).ok_or(StoreError::NotFound {
                    kind: "record kind",
                    id: kind.clone(),
                })?,
                field,
                winner: serde_json::from_str(&winner)?,
                losers: serde_json::from_str(&losers)?,
            })
        })
        .collect()
    }

    /// Who changed which fields of a record, when, on which device: oldest first.
    pub fn history(&self, doc_id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT at, author, device, fields, local FROM changes WHERE doc_id = ?1 AND applied ORDER BY at, seq",
        )?;
        let rows = stmt.query_map([doc_id], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get::<_, String>(3)?,
                row.get(4)?,
            ))
        })?;
        rows.map(|row| {
            let (at, author, device, fields, local) = row?;
            Ok(HistoryEntry {
                at,
                author,
                device,
                fields: serde_json::from_str(&fields)?,
                local,
            })
        })
        .collect()
    }

    /// Who wrote each of `values` into `field` of a record, when and on which device: for
    /// each, the latest applied change of the record that gave the field that value (read
    /// from the changes' own bytes, not the document). None for a value no change held
    /// (never for a conflict's).
    pub fn value_sources(
        &self,
        doc_id: &str,
        field: &str,
        values: &[Value],
    ) -> Result<Vec<Option<HistoryEntry>>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT at, author, device, fields, local, bytes FROM changes
              WHERE doc_id = ?1 AND applied AND instr(fields, ?2) > 0
              ORDER BY at DESC, seq DESC",
        )?;
        let quoted = serde_json::to_string(field)?;
        let rows = stmt.query_map(params![doc_id, quoted], |row| {
            Ok((
                HistoryEntry {
                    at: row.get(0)?,
                    author: row.get(1)?,
                    device: row.get(2)?,
                    fields: serde_json::from_str(&row.get::<_, String>(3)?).unwrap_or_default(),
                    local: row.get(4)?,
                },
                row.get::<_, Vec<u8>>(5)?,
            ))
        })?;
        let mut found: Vec<Option<HistoryEntry>> = vec![None; values.len()];
        for row in rows {
            let (entry, bytes) = row?;
            let Ok(change) = daakhla_crdt::change_from_bytes(bytes) else {
                continue;
            };
            let Ok(written) = daakhla_crdt::fields_written(&change) else {
                continue;
            };
            let Some(value) = written
                .into_iter()
                .find(|w| w.field == field)
                .and_then(|w| w.value)
            else {
                continue;
            };
            for (slot, wanted) in found.iter_mut().zip(values) {
                if slot.is_none() && *wanted == value {
                    *slot = Some(entry.clone());
                }
            }
            if found.iter().all(Option::is_some) {
                break;
            }
        }
        Ok(found)
    }

    /// Every document's record as this store shows it, by id, with where it is shown (the
    /// household a child is under, the household a merged one is shown as): for comparing
    /// stores.
    pub fn snapshot(&self) -> Result<BTreeMap<String, String>, StoreError> {
        let mut out = BTreeMap::new();
        for kind in RecordKind::ALL {
            let placed = match kind {
                RecordKind::Household => "body || ' @' || coalesce(merged_into, '')",
                RecordKind::Child => "body || ' @' || household_id",
                RecordKind::FollowUp | RecordKind::School | RecordKind::Need => "body",
            };
            let mut stmt = self.conn.prepare(&format!(
                "SELECT id, {placed} FROM {} ORDER BY id",
                crate::documents::table(kind)
            ))?;
            let rows = stmt.query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (id, body) = row?;
                out.insert(format!("{}/{id}", kind.code()), body);
            }
        }
        Ok(out)
    }
}
