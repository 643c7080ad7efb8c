//! The records materialised into PostgreSQL tables: each record's Automerge document, and the
//! rows and conflicts a device store would write from it, so reports query the same shapes on
//! either database. This mirrors `daakhla_store::Store::receive`; the convergence tests hold
//! the two to the same snapshot.

use super::{Sql, TxSql};
use crate::ServerError;
use crate::backend::{ChangeHash, Logged, Records, Unappliable};
use daakhla_crdt::{ActorId, Change, RecordDoc};
use daakhla_domain::RecordKind;
use daakhla_domain::child::Child;
use daakhla_domain::codes::Coded;
use daakhla_domain::followup::FollowUp;
use daakhla_domain::geography::{Geography, Level};
use daakhla_domain::household::Household;
use daakhla_domain::record::StoredRecord;
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_domain::validation::{Checker, Context, FieldPath};
use daakhla_store::{FieldConflict, PlaceRow, rows};
use postgres::{Row, Statement};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

pub struct PgRecords {
    client: super::Connection,
    prepared: HashMap<&'static str, Statement>,
    /// The server only reads documents; this actor never writes a change.
    actor: ActorId,
}

impl PgRecords {
    pub(super) fn reader(client: super::Connection) -> PgRecords {
        PgRecords {
            client,
            prepared: HashMap::new(),
            actor: ActorId::from(b"daakhla-server".as_slice()),
        }
    }

    /// Takes a connection to a database with the server's tables, adding the reference
    /// geography the first time.
    pub(super) fn new(client: super::Connection) -> Result<PgRecords, ServerError> {
        let mut records = PgRecords::reader(client);
        let has_places: bool = records
            .client
            .query_one("SELECT EXISTS (SELECT 1 FROM places)", &[])?
            .get(0);
        if !has_places {
            records.import_geography(&crate::reference_geography()?)?;
        }
        Ok(records)
    }
}

const PLACE_COLUMNS: &str = "code, level, parent, name_en, name_ur, demo";

fn place_row(row: &Row) -> Result<PlaceRow, ServerError> {
    let level: String = row.get(1);
    Ok(PlaceRow {
        code: row.get(0),
        level: Level::from_code(&level)
            .ok_or_else(|| ServerError::Internal(format!("unknown place level {level}")))?,
        parent: row.get(2),
        name_en: row.get(3),
        name_ur: row.get(4),
        demo: row.get(5),
    })
}

impl Records for PgRecords {
    fn import_geography(&mut self, geo: &Geography) -> Result<usize, ServerError> {
        let known: HashMap<String, Level> = self
            .client
            .query("SELECT code, level FROM places", &[])?
            .iter()
            .filter_map(|row| Some((row.get(0), Level::from_code(row.get::<_, &str>(1))?)))
            .collect();
        let mut checker = Checker::new(Context {
            today: chrono::Utc::now().date_naive(),
        });
        geo.check_with(&known, &FieldPath::root(), &mut checker);
        checker
            .finish()
            .map_err(|v| ServerError::BadRequest(v.to_string()))?;
        let mut tx = self.client.transaction()?;
        let upsert = tx.prepare(
            "INSERT INTO places (code, level, parent, name_en, name_ur, demo) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (code) DO UPDATE SET name_en = excluded.name_en, name_ur = excluded.name_ur,
                 demo = excluded.demo, parent = excluded.parent",
        )?;
        let mut written = 0;
        for (level, place) in geo.places() {
            written += tx.execute(
                &upsert,
                &[
                    &place.code,
                    &level.code(),
                    &place.parent,
                    &place.name.en,
                    &place.name.ur,
                    &place.demo,
                ],
            )? as usize;
        }
        tx.commit()?;
        Ok(written)
    }

    fn place(&mut self, code: &str) -> Result<Option<PlaceRow>, ServerError> {
        self.client
            .query_opt(
                &format!("SELECT {PLACE_COLUMNS} FROM places WHERE code = $1"),
                &[&code],
            )?
            .as_ref()
            .map(place_row)
            .transpose()
    }

    fn places(&mut self, level: Level, parent: Option<&str>) -> Result<Vec<PlaceRow>, ServerError> {
        self.client
            .query(
                &format!(
                    "SELECT {PLACE_COLUMNS} FROM places WHERE level = $1 AND ($2::text IS NULL OR parent = $2)
                      ORDER BY code COLLATE \"C\""
                ),
                &[&level.code(), &parent],
            )?
            .iter()
            .map(place_row)
            .collect()
    }

    fn cursor(&mut self) -> Result<u64, ServerError> {
        let upto: i64 = self
            .client
            .query_one("SELECT upto FROM materialised", &[])?
            .get(0);
        Ok(upto as u64)
    }

    fn apply(&mut self, changes: &[Logged]) -> Result<(), ServerError> {
        let mut tx = self.client.transaction()?;
        // Another server on the same database may be materialising the same changes.
        let upto: i64 = tx
            .query_one("SELECT upto FROM materialised FOR UPDATE", &[])?
            .get(0);
        let fresh: Vec<&Logged> = changes.iter().filter(|c| c.seq as i64 > upto).collect();
        let Some(last) = fresh.last().map(|c| c.seq as i64) else {
            return Ok(());
        };
        let mut sql = Sql::new(&mut tx, &mut self.prepared);
        let ids: Vec<String> = fresh.iter().map(|l| l.change.doc_id.to_string()).collect();
        let batch = ids
            .iter()
            .zip(&fresh)
            .map(|(id, logged)| (id.as_str(), logged.change.kind, logged.change.bytes.clone()));
        let grouped = rows::in_apply_order(batch);
        // A round trip costs more than applying a record's changes: the documents, and then
        // the rows, are read and written for the whole batch at once.
        let doc_ids: Vec<&str> = grouped.iter().map(|(id, _, _)| *id).collect();
        let mut stored = StoredDocuments::fetch(&mut sql, &doc_ids)?;
        let mut writes = DocumentWrites::default();
        let mut received = Vec::with_capacity(grouped.len());
        for (doc_id, kind, bytes) in grouped {
            let record = receive(&mut stored, &mut writes, &self.actor, doc_id, kind, bytes)?;
            received.push((doc_id, kind, record));
        }
        writes.flush(&mut sql)?;
        rows::show(&mut sql, received)?;
        rows::show_waiting(&mut sql)?;
        rows::relink(&mut sql)?;
        sql.execute("UPDATE materialised SET upto = $1", &[&last])?;
        tx.commit()?;
        Ok(())
    }

    fn refused_among(&mut self, hashes: &[ChangeHash]) -> Result<Vec<Unappliable>, ServerError> {
        let all: Vec<&[u8]> = hashes.iter().map(|h| h.0.as_slice()).collect();
        let rows = self.client.query(
            "SELECT hash, why FROM refused_changes WHERE hash = ANY($1)",
            &[&all],
        )?;
        rows.into_iter()
            .map(|row| {
                Ok(Unappliable {
                    hash: ChangeHash::try_from(row.get::<_, &[u8]>(0))
                        .map_err(|_| ServerError::Internal("a bad refused hash".into()))?,
                    why: row.get(1),
                })
            })
            .collect()
    }

    fn snapshot(&mut self) -> Result<BTreeMap<String, String>, ServerError> {
        let mut out = BTreeMap::new();
        for row in self.client.query(
            "SELECT id, body, coalesce(merged_into, '') FROM households",
            &[],
        )? {
            let body: Household = from_body(row.get(1))?;
            out.insert(
                format!("{}/{}", RecordKind::Household.code(), row.get::<_, &str>(0)),
                format!("{} @{}", to_text(&body)?, row.get::<_, &str>(2)),
            );
        }
        for row in self
            .client
            .query("SELECT id, body, household_id FROM children", &[])?
        {
            let body: Child = from_body(row.get(1))?;
            out.insert(
                format!("{}/{}", RecordKind::Child.code(), row.get::<_, &str>(0)),
                format!("{} @{}", to_text(&body)?, row.get::<_, &str>(2)),
            );
        }
        for row in self.client.query("SELECT id, body FROM follow_ups", &[])? {
            let body: FollowUp = from_body(row.get(1))?;
            out.insert(
                format!("{}/{}", RecordKind::FollowUp.code(), row.get::<_, &str>(0)),
                to_text(&body)?,
            );
        }
        for row in self.client.query("SELECT id, body FROM schools", &[])? {
            let body: School = from_body(row.get(1))?;
            out.insert(
                format!("{}/{}", RecordKind::School.code(), row.get::<_, &str>(0)),
                to_text(&body)?,
            );
        }
        for row in self.client.query("SELECT id, body FROM needs", &[])? {
            let body: InfrastructureNeed = from_body(row.get(1))?;
            out.insert(
                format!("{}/{}", RecordKind::Need.code(), row.get::<_, &str>(0)),
                to_text(&body)?,
            );
        }
        Ok(out)
    }

    fn conflicts(&mut self) -> Result<Vec<FieldConflict>, ServerError> {
        let rows = self.client.query(
            "SELECT c.doc_id, d.kind, c.field, c.winner, c.losers
               FROM record_conflicts c JOIN record_documents d ON d.doc_id = c.doc_id",
            &[],
        )?;
        let mut conflicts = rows
            .into_iter()
            .map(|row| {
                let kind: &str = row.get(1);
                Ok(FieldConflict {
                    doc_id: row.get(0),
                    kind: RecordKind::from_code(kind)
                        .ok_or_else(|| ServerError::Internal(format!("unknown kind {kind}")))?,
                    field: row.get(2),
                    winner: row.get(3),
                    losers: serde_json::from_value(row.get(4))?,
                })
            })
            .collect::<Result<Vec<_>, ServerError>>()?;
        conflicts.sort_by(|a, b| (&a.doc_id, &a.field).cmp(&(&b.doc_id, &b.field)));
        Ok(conflicts)
    }

    fn read_reports(
        &mut self,
        read: &mut dyn FnMut(
            &mut dyn daakhla_reports::Source,
        ) -> Result<(), daakhla_reports::ReportError>,
    ) -> Result<(), ServerError> {
        let client: &mut postgres::Client = &mut self.client;
        Ok(read(&mut daakhla_reports::PgSource(client))?)
    }

    fn load_rows_only(&mut self, records: &crate::backend::RowsOnly) -> Result<(), ServerError> {
        let mut tx = self.client.transaction()?;
        super::bulk::load_rows_only(
            &mut tx,
            records.surveys,
            records.follow_ups,
            records.schools,
            records.needs,
        )?;
        tx.commit()?;
        Ok(())
    }

    fn refresh_statistics(&mut self) -> Result<(), ServerError> {
        self.client
            .batch_execute("VACUUM ANALYZE households, children, follow_ups, schools, needs")?;
        Ok(())
    }

    fn for_each_stored(
        &mut self,
        kind: RecordKind,
        ucs: Option<&[String]>,
        each: &mut dyn FnMut(StoredRecord) -> Result<(), ServerError>,
    ) -> Result<(), ServerError> {
        use postgres::fallible_iterator::FallibleIterator;
        let ucs: Option<Vec<String>> = ucs.map(<[String]>::to_vec);
        let params: [&(dyn postgres::types::ToSql + Sync); 1] = [&ucs];
        let mut rows = self.client.query_raw(stored_query(kind), params)?;
        while let Some(row) = rows.next()? {
            let enrolled_on: Option<chrono::NaiveDate> = row.get(4);
            each(StoredRecord {
                kind,
                body: row.get(0),
                uc_code: row.get(1),
                parent: row.get(2),
                stage: row.get(3),
                enrolled_on: enrolled_on.map(|d| d.to_string()),
            })?;
        }
        Ok(())
    }
}

/// What a batch's documents held before it: their saved bytes and the changes of theirs that
/// waited for others.
struct StoredDocuments {
    saved: HashMap<String, Vec<u8>>,
    waiting: HashMap<String, Vec<Vec<u8>>>,
}

impl StoredDocuments {
    fn fetch(sql: &mut TxSql, doc_ids: &[&str]) -> Result<StoredDocuments, ServerError> {
        let saved = sql
            .query(
                "SELECT doc_id, bytes FROM record_documents WHERE doc_id = ANY($1)",
                &[&doc_ids],
            )?
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        let mut waiting: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
        for row in sql.query(
            "SELECT doc_id, bytes FROM waiting_changes WHERE doc_id = ANY($1)",
            &[&doc_ids],
        )? {
            waiting.entry(row.get(0)).or_default().push(row.get(1));
        }
        Ok(StoredDocuments { saved, waiting })
    }
}

/// A batch's document writes, made in a few statements at the end of it.
#[derive(Default)]
struct DocumentWrites {
    documents: (Vec<String>, Vec<&'static str>, Vec<Vec<u8>>),
    cleared: Vec<String>,
    conflicts: (Vec<String>, Vec<String>, Vec<Value>, Vec<Value>),
    waiting: (Vec<Vec<u8>>, Vec<String>, Vec<Vec<u8>>),
    taken: Vec<Vec<u8>>,
    refused: (Vec<Vec<u8>>, Vec<String>),
}

impl DocumentWrites {
    fn flush(self, sql: &mut TxSql) -> Result<(), ServerError> {
        let (ids, kinds, bytes) = &self.documents;
        if !ids.is_empty() {
            sql.execute(
                "INSERT INTO record_documents (doc_id, kind, bytes)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])
                 ON CONFLICT (doc_id) DO UPDATE SET bytes = excluded.bytes",
                &[ids, kinds, bytes],
            )?;
        }
        if !self.cleared.is_empty() {
            sql.execute(
                "DELETE FROM record_conflicts WHERE doc_id = ANY($1)",
                &[&self.cleared],
            )?;
        }
        let (ids, fields, winners, losers) = &self.conflicts;
        if !ids.is_empty() {
            sql.execute(
                "INSERT INTO record_conflicts (doc_id, field, winner, losers)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[])",
                &[ids, fields, winners, losers],
            )?;
        }
        let (hashes, ids, bytes) = &self.waiting;
        if !hashes.is_empty() {
            sql.execute(
                "INSERT INTO waiting_changes (hash, doc_id, bytes)
                 SELECT * FROM unnest($1::bytea[], $2::text[], $3::bytea[]) ON CONFLICT DO NOTHING",
                &[hashes, ids, bytes],
            )?;
        }
        if !self.taken.is_empty() {
            sql.execute(
                "DELETE FROM waiting_changes WHERE hash = ANY($1)",
                &[&self.taken],
            )?;
        }
        let (hashes, whys) = &self.refused;
        if !hashes.is_empty() {
            sql.execute(
                "INSERT INTO refused_changes (hash, why)
                 SELECT * FROM unnest($1::bytea[], $2::text[]) ON CONFLICT DO NOTHING",
                &[hashes, whys],
            )?;
        }
        Ok(())
    }
}

/// Applies a document's new changes (and any that waited for them), notes its writes, and
/// returns the record it now holds.
fn receive(
    stored: &mut StoredDocuments,
    writes: &mut DocumentWrites,
    actor: &ActorId,
    doc_id: &str,
    kind: RecordKind,
    incoming: Vec<Vec<u8>>,
) -> Result<Value, ServerError> {
    let saved = stored.saved.remove(doc_id);
    let waiting = stored.waiting.remove(doc_id).unwrap_or_default();
    let fresh = incoming.len();
    let changes: Vec<Change> = incoming
        .into_iter()
        .chain(waiting)
        .map(daakhla_crdt::change_from_bytes)
        .collect::<Result<_, _>>()?;
    let (mut doc, unappliable) = RecordDoc::load_and_apply(saved.as_deref(), actor, &changes)?;
    for refused in &unappliable {
        writes.refused.0.push(refused.hash.0.to_vec());
        writes.refused.1.push(refused.why.clone());
    }
    for (i, change) in changes.iter().enumerate() {
        let hash = change.hash();
        let was_waiting = i >= fresh;
        // A change Automerge cannot apply at all never waits: it stays in the log only.
        if doc.has(&hash) || unappliable.iter().any(|u| u.hash == hash) {
            if was_waiting {
                writes.taken.push(hash.0.to_vec());
            }
        } else if !was_waiting {
            writes.waiting.0.push(hash.0.to_vec());
            writes.waiting.1.push(doc_id.to_string());
            writes.waiting.2.push(change.raw_bytes().to_vec());
        }
    }
    writes.documents.0.push(doc_id.to_string());
    writes.documents.1.push(kind.code());
    writes.documents.2.push(doc.save());
    let read = doc.read()?;
    if saved.is_some() {
        writes.cleared.push(doc_id.to_string());
    }
    for conflict in read.conflicts {
        writes.conflicts.0.push(doc_id.to_string());
        writes.conflicts.1.push(conflict.field);
        writes.conflicts.2.push(conflict.winner);
        writes.conflicts.3.push(Value::from(conflict.losers));
    }
    Ok(Value::Object(read.fields))
}

/// Per kind, as a device store lists them for exports: body, union council, parent's body,
/// stage, enrolment date; `$1` the union councils, or null for all.
fn stored_query(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Household => {
            "SELECT body, uc_code, NULL::jsonb, NULL::text, NULL::date FROM households
              WHERE NOT deleted AND merged_into IS NULL AND ($1::text[] IS NULL OR uc_code = ANY($1))
              ORDER BY uc_code, village_code, length(household_number), household_number, id"
        }
        RecordKind::Child => {
            "SELECT c.body, h.uc_code, h.body, c.stage, c.enrolled_on
               FROM children c JOIN households h ON h.id = c.household_id
              WHERE NOT c.deleted AND NOT h.deleted AND h.merged_into IS NULL
                AND ($1::text[] IS NULL OR h.uc_code = ANY($1))
              ORDER BY h.uc_code, h.village_code, length(h.household_number), h.household_number, c.id"
        }
        RecordKind::FollowUp => {
            "SELECT f.body, h.uc_code, c.body, NULL::text, NULL::date
               FROM follow_ups f JOIN children c ON c.id = f.child_id
               JOIN households h ON h.id = c.household_id
              WHERE NOT f.deleted AND NOT c.deleted AND NOT h.deleted AND h.merged_into IS NULL
                AND ($1::text[] IS NULL OR h.uc_code = ANY($1))
              ORDER BY f.visited_on, f.id"
        }
        RecordKind::School => {
            "SELECT body, uc_code, NULL::jsonb, NULL::text, NULL::date FROM schools
              WHERE $1::text[] IS NULL OR uc_code = ANY($1) ORDER BY uc_code, name, id"
        }
        RecordKind::Need => {
            "SELECT n.body, s.uc_code, s.body, NULL::text, NULL::date
               FROM needs n JOIN schools s ON s.id = n.school_id
              WHERE $1::text[] IS NULL OR s.uc_code = ANY($1) ORDER BY n.identified_on, n.id"
        }
    }
}

fn from_body<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, ServerError> {
    Ok(serde_json::from_value(body)?)
}

/// A record as a device store writes its body, so snapshots compare as text.
fn to_text(record: &impl serde::Serialize) -> Result<String, ServerError> {
    Ok(serde_json::to_string(record)?)
}
