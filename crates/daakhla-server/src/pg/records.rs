//! The records materialised into PostgreSQL tables: each record's Automerge document, and the
//! rows and conflicts a device store would write from it, so reports query the same shapes on
//! either database. This mirrors `daakhla_store::Store::receive`; the convergence tests hold
//! the two to the same snapshot.

use super::{Sql, TxSql};
use crate::ServerError;
use crate::backend::{Logged, Records};
use daakhla_crdt::{ActorId, Change, RecordDoc};
use daakhla_domain::RecordKind;
use daakhla_domain::child::Child;
use daakhla_domain::codes::Coded;
use daakhla_domain::followup::FollowUp;
use daakhla_domain::geography::{Geography, Level};
use daakhla_domain::household::Household;
use daakhla_domain::lifecycle::{lifecycle, retention_code};
use daakhla_domain::record::StoredRecord;
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_domain::validation::{Checker, Context, FieldPath};
use daakhla_store::{FieldConflict, PlaceRow};
use postgres::{Row, Statement};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// A document's id, kind and the changes for it in one batch.
type DocChanges = (String, RecordKind, Vec<Vec<u8>>);

pub struct PgRecords {
    client: super::Connection,
    prepared: HashMap<&'static str, Statement>,
    /// The server only reads documents; this actor never writes a change.
    actor: ActorId,
}

impl PgRecords {
    /// Takes a connection to a database with the server's tables, adding the reference
    /// geography the first time.
    pub(super) fn new(client: super::Connection) -> Result<PgRecords, ServerError> {
        let mut records = PgRecords {
            client,
            prepared: HashMap::new(),
            actor: ActorId::from(b"daakhla-server".as_slice()),
        };
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
        // Households before children before follow-ups: rows point at their parents.
        let mut by_doc: BTreeMap<(usize, usize), DocChanges> = BTreeMap::new();
        let mut first_seen: HashMap<String, usize> = HashMap::new();
        for (i, logged) in fresh.iter().enumerate() {
            let doc_id = logged.change.doc_id.to_string();
            let order = *first_seen.entry(doc_id.clone()).or_insert(i);
            by_doc
                .entry((rank(logged.change.kind), order))
                .or_insert_with(|| (doc_id, logged.change.kind, Vec::new()))
                .2
                .push(logged.change.bytes.clone());
        }
        let mut sql = Sql::new(&mut tx, &mut self.prepared);
        for (doc_id, kind, bytes) in by_doc.into_values() {
            let record = receive(&mut sql, &self.actor, &doc_id, kind, bytes)?;
            let outcome = write_row(&mut sql, kind, record)?;
            mark_unreadable(&mut sql, &doc_id, outcome.err())?;
        }
        // A record that arrived before the one it points at can be shown now.
        let waiting = sql.query(
            "SELECT doc_id, kind, bytes FROM record_documents WHERE unreadable IS NOT NULL",
            &[],
        )?;
        let mut waiting: Vec<(String, RecordKind, Vec<u8>)> = waiting
            .into_iter()
            .filter_map(|row| {
                let kind = RecordKind::from_code(row.get::<_, &str>(1))?;
                Some((row.get(0), kind, row.get(2)))
            })
            .collect();
        waiting.sort_by_key(|(_, kind, _)| rank(*kind));
        for (doc_id, kind, bytes) in waiting {
            let record = Value::Object(RecordDoc::load(&bytes, &self.actor)?.read()?.fields);
            if write_row(&mut sql, kind, record)?.is_ok() {
                mark_unreadable(&mut sql, &doc_id, None)?;
            }
        }
        relink(&mut sql)?;
        sql.execute("UPDATE materialised SET upto = $1", &[&last])?;
        tx.commit()?;
        Ok(())
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
                    losers: serde_json::from_value(row.get(4))
                        .map_err(|e| ServerError::Internal(e.to_string()))?,
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

/// Applies a document's new changes (and any that waited for them), saves it with its
/// conflicts, and returns the record it now holds.
fn receive(
    sql: &mut TxSql,
    actor: &ActorId,
    doc_id: &str,
    kind: RecordKind,
    incoming: Vec<Vec<u8>>,
) -> Result<Value, ServerError> {
    let stored: Option<Vec<u8>> = sql
        .query_opt(
            "SELECT bytes FROM record_documents WHERE doc_id = $1",
            &[&doc_id],
        )?
        .map(|row| row.get(0));
    let waiting = sql.query(
        "SELECT bytes FROM waiting_changes WHERE doc_id = $1",
        &[&doc_id],
    )?;
    let fresh = incoming.len();
    let changes: Vec<Change> = incoming
        .into_iter()
        .chain(waiting.into_iter().map(|row| row.get(0)))
        .map(daakhla_crdt::change_from_bytes)
        .collect::<Result<_, _>>()?;
    let (mut doc, unappliable) =
        RecordDoc::load_and_apply(stored.as_deref(), actor, changes.clone())?;
    for (i, change) in changes.iter().enumerate() {
        let hash = change.hash().0.to_vec();
        let was_waiting = i >= fresh;
        // A change Automerge cannot apply at all never waits: it stays in the log only.
        if doc.has(&change.hash()) || unappliable.iter().any(|u| u.hash == change.hash()) {
            if was_waiting {
                sql.execute("DELETE FROM waiting_changes WHERE hash = $1", &[&hash])?;
            }
        } else {
            sql.execute(
                    "INSERT INTO waiting_changes (hash, doc_id, bytes) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    &[&hash, &doc_id, &change.raw_bytes()],
                )?;
        }
    }
    sql.execute(
        "INSERT INTO record_documents (doc_id, kind, bytes) VALUES ($1, $2, $3)
             ON CONFLICT (doc_id) DO UPDATE SET bytes = excluded.bytes",
        &[&doc_id, &kind.code(), &doc.save()],
    )?;
    let read = doc.read()?;
    sql.execute("DELETE FROM record_conflicts WHERE doc_id = $1", &[&doc_id])?;
    for conflict in read.conflicts {
        sql.execute(
            "INSERT INTO record_conflicts (doc_id, field, winner, losers) VALUES ($1, $2, $3, $4)",
            &[
                &doc_id,
                &conflict.field,
                &conflict.winner,
                &Value::from(conflict.losers),
            ],
        )?;
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

fn rank(kind: RecordKind) -> usize {
    RecordKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

fn mark_unreadable(sql: &mut TxSql, doc_id: &str, why: Option<String>) -> Result<(), ServerError> {
    sql.execute(
        "UPDATE record_documents SET unreadable = $2 WHERE doc_id = $1",
        &[&doc_id, &why],
    )?;
    Ok(())
}

/// Rewrites a record's row from what its document holds. The inner error is the reason the
/// record cannot be shown yet (a field this build does not know, a parent not arrived).
fn write_row(
    sql: &mut TxSql,
    kind: RecordKind,
    record: Value,
) -> Result<Result<(), String>, ServerError> {
    match kind {
        RecordKind::Household => match serde_json::from_value::<Household>(record) {
            Ok(household) => write_household(sql, &household).map(Ok),
            Err(e) => Ok(Err(e.to_string())),
        },
        RecordKind::Child => match serde_json::from_value::<Child>(record) {
            Ok(child) => write_child(sql, &child),
            Err(e) => Ok(Err(e.to_string())),
        },
        RecordKind::FollowUp => match serde_json::from_value::<FollowUp>(record) {
            Ok(follow_up) => write_follow_up(sql, &follow_up),
            Err(e) => Ok(Err(e.to_string())),
        },
        RecordKind::School => match serde_json::from_value::<School>(record) {
            Ok(school) => write_school(sql, &school).map(Ok),
            Err(e) => Ok(Err(e.to_string())),
        },
        RecordKind::Need => match serde_json::from_value::<InfrastructureNeed>(record) {
            Ok(need) => write_need(sql, &need),
            Err(e) => Ok(Err(e.to_string())),
        },
    }
}

fn write_household(sql: &mut TxSql, h: &Household) -> Result<(), ServerError> {
    sql.execute(
        "INSERT INTO households (id, uc_code, village_code, household_number, head_name, consent, surveyed_on,
                                 surveyed_by, deleted, merge_target, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (id) DO UPDATE SET uc_code = excluded.uc_code, village_code = excluded.village_code,
             household_number = excluded.household_number, head_name = excluded.head_name,
             consent = excluded.consent, surveyed_on = excluded.surveyed_on, surveyed_by = excluded.surveyed_by,
             deleted = excluded.deleted, merge_target = excluded.merge_target, body = excluded.body",
        &[
            &h.id.to_string(),
            &h.uc_code,
            &h.village_code,
            &h.household_number,
            &h.head_name,
            &h.consent,
            &h.surveyed_on,
            &h.surveyed_by,
            &h.deleted,
            &h.merged_into.map(|id| id.to_string()),
            &to_body(h)?,
        ],
    )?;
    Ok(())
}

fn write_child(sql: &mut TxSql, child: &Child) -> Result<Result<(), String>, ServerError> {
    let household = child.household_id.to_string();
    let Some(surveyed_on) = sql
        .query_opt(
            "SELECT surveyed_on FROM households WHERE id = $1",
            &[&household],
        )?
        .map(|row| row.get::<_, chrono::NaiveDate>(0))
    else {
        return Ok(Err("its household has not arrived yet".into()));
    };
    sql.execute(
        "INSERT INTO children (id, household_id, origin_household_id, sex, age_years, schooling, out_of_school,
                               stage, deleted, body, reasons)
         VALUES ($1, $2, $2, $3, $4, $5, $6, '', $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id,
             origin_household_id = excluded.origin_household_id, sex = excluded.sex,
             age_years = excluded.age_years, schooling = excluded.schooling,
             out_of_school = excluded.out_of_school, deleted = excluded.deleted, body = excluded.body,
             reasons = excluded.reasons",
        &[
            &child.id.to_string(),
            &household,
            &child.sex.code(),
            &(child.age_on(surveyed_on).unwrap_or_default() as i32),
            &child.schooling.status().code(),
            &child.is_out_of_school(),
            &child.deleted,
            &to_body(child)?,
            &child.reason_codes(),
        ],
    )?;
    refresh_lifecycle(sql, child)?;
    Ok(Ok(()))
}

fn write_follow_up(
    sql: &mut TxSql,
    follow_up: &FollowUp,
) -> Result<Result<(), String>, ServerError> {
    let child: Option<Child> = sql
        .query_opt(
            "SELECT body FROM children WHERE id = $1",
            &[&follow_up.child_id.to_string()],
        )?
        .map(|row| from_body(row.get(0)))
        .transpose()?;
    let Some(child) = child else {
        return Ok(Err("its child has not arrived yet".into()));
    };
    sql.execute(
        "INSERT INTO follow_ups (id, child_id, visited_on, outcome, deleted, body, milestone, dropped_out)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET child_id = excluded.child_id, visited_on = excluded.visited_on,
             outcome = excluded.outcome, deleted = excluded.deleted, body = excluded.body,
             milestone = excluded.milestone, dropped_out = excluded.dropped_out",
        &[
            &follow_up.id.to_string(),
            &follow_up.child_id.to_string(),
            &follow_up.visited_on,
            &follow_up.outcome.kind().code(),
            &follow_up.deleted,
            &to_body(follow_up)?,
            &follow_up.outcome.milestone().map(|m| m.code()),
            &follow_up.outcome.dropped_out(),
        ],
    )?;
    refresh_lifecycle(sql, &child)?;
    Ok(Ok(()))
}

fn write_school(sql: &mut TxSql, school: &School) -> Result<(), ServerError> {
    sql.execute(
        "INSERT INTO schools (id, uc_code, village_code, emis_code, name, functional, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET uc_code = excluded.uc_code, village_code = excluded.village_code,
             emis_code = excluded.emis_code, name = excluded.name, functional = excluded.functional,
             body = excluded.body",
        &[
            &school.id.to_string(),
            &school.uc_code,
            &school.village_code,
            &school.emis_code,
            &school.name,
            &school.functional,
            &to_body(school)?,
        ],
    )?;
    Ok(())
}

fn write_need(
    sql: &mut TxSql,
    need: &InfrastructureNeed,
) -> Result<Result<(), String>, ServerError> {
    let school = need.school_id.to_string();
    if sql
        .query_opt("SELECT 1 FROM schools WHERE id = $1", &[&school])?
        .is_none()
    {
        return Ok(Err("its school has not arrived yet".into()));
    }
    sql.execute(
        "INSERT INTO needs (id, school_id, category, status, identified_on, resolved_on, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET school_id = excluded.school_id, category = excluded.category,
             status = excluded.status, identified_on = excluded.identified_on,
             resolved_on = excluded.resolved_on, body = excluded.body",
        &[
            &need.id.to_string(),
            &school,
            &need.category.code(),
            &need.status().code(),
            &need.identified_on,
            &need.resolved_on,
            &to_body(need)?,
        ],
    )?;
    Ok(Ok(()))
}

/// Keeps a child's stage and dates in step with its follow-ups, as a device store does.
fn refresh_lifecycle(sql: &mut TxSql, child: &Child) -> Result<(), ServerError> {
    let visits: Vec<FollowUp> = sql
        .query(
            "SELECT body FROM follow_ups WHERE child_id = $1",
            &[&child.id.to_string()],
        )?
        .into_iter()
        .map(|row| from_body(row.get(0)))
        .collect::<Result<_, _>>()?;
    let life = lifecycle(child, &visits);
    sql.execute(
        "UPDATE children SET stage = $2, enrolled_on = $3, last_visit = $4, retention = $5 WHERE id = $1",
        &[
            &child.id.to_string(),
            &life.stage.code(),
            &life.enrolled_on,
            &life.last_visit,
            &retention_code(child, &visits),
        ],
    )?;
    Ok(())
}

/// Settles where merged households and their children are shown, as a device store does.
fn relink(sql: &mut TxSql) -> Result<(), ServerError> {
    let targets: BTreeMap<String, String> = sql
        .query(
            "SELECT h.id, h.merge_target FROM households h
              WHERE h.merge_target IS NOT NULL AND EXISTS (SELECT 1 FROM households t WHERE t.id = h.merge_target)",
            &[],
        )?
        .into_iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let shown_as = daakhla_domain::merges::shown_as(&targets);
    sql.execute(
        "UPDATE households SET merged_into = NULL WHERE merged_into IS NOT NULL",
        &[],
    )?;
    sql.execute(
        "UPDATE children SET household_id = origin_household_id WHERE household_id <> origin_household_id",
        &[],
    )?;
    for (id, target) in shown_as {
        let Some(target) = target else { continue };
        sql.execute(
            "UPDATE households SET merged_into = $2 WHERE id = $1",
            &[&id, &target],
        )?;
        sql.execute(
            "UPDATE children SET household_id = $2 WHERE origin_household_id = $1",
            &[&id, &target],
        )?;
    }
    Ok(())
}

fn to_body(record: &impl serde::Serialize) -> Result<Value, ServerError> {
    serde_json::to_value(record).map_err(|e| ServerError::Internal(e.to_string()))
}

fn from_body<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, ServerError> {
    serde_json::from_value(body).map_err(|e| ServerError::Internal(e.to_string()))
}

/// A record as a device store writes its body, so snapshots compare as text.
fn to_text(record: &impl serde::Serialize) -> Result<String, ServerError> {
    serde_json::to_string(record).map_err(|e| ServerError::Internal(e.to_string()))
}
