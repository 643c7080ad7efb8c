//! Schools and their infrastructure needs. A school is saved whole (a census visit rewrites
//! it); a need is saved again each time it moves on, from identified to resolved. Both sync
//! like every other record.

use crate::documents::{Editor, RecordKind};
use crate::{Store, StoreError, write_in_chunks};
use daakhla_domain::codes::Coded;
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_domain::validation::{Checker, Context, FieldPath, Rule, Validate, Violations};
use rusqlite::{OptionalExtension, Transaction, params};

impl Store {
    /// Saves schools, new or changed. Each must name a known union council (and a village in
    /// it, if any); if any school breaks a rule nothing is saved.
    pub fn save_schools(
        &mut self,
        schools: &[School],
        ctx: &Context,
        progress: &mut dyn FnMut(usize),
    ) -> Result<(), StoreError> {
        let mut all = Vec::new();
        for (index, school) in schools.iter().enumerate() {
            let mut c = Checker::new(*ctx);
            let at = FieldPath::root();
            school.check(&at, &mut c);
            self.check_place_codes(&at, &school.uc_code, school.village_code.as_deref(), &mut c)?;
            if let Err(found) = c.finish() {
                all.extend(found.in_batch(index, schools.len()).0);
            }
        }
        Violations(all).into_result().map_err(StoreError::Invalid)?;
        write_in_chunks(self, schools, progress, write_school)
    }

    /// Saves infrastructure needs, new or moved on. Each must be about a stored school; if
    /// any need breaks a rule nothing is saved.
    pub fn save_needs(
        &mut self,
        needs: &[InfrastructureNeed],
        ctx: &Context,
        progress: &mut dyn FnMut(usize),
    ) -> Result<(), StoreError> {
        let mut all = Vec::new();
        for (index, need) in needs.iter().enumerate() {
            let mut c = Checker::new(*ctx);
            let at = FieldPath::root();
            need.check(&at, &mut c);
            if self.school(&need.school_id.to_string())?.is_none() {
                c.push(
                    at.key("school_id"),
                    Rule::UnknownRecord {
                        id: need.school_id.to_string(),
                    },
                );
            }
            if let Err(found) = c.finish() {
                all.extend(found.in_batch(index, needs.len()).0);
            }
        }
        Violations(all).into_result().map_err(StoreError::Invalid)?;
        write_in_chunks(self, needs, progress, write_need)
    }

    pub fn school(&self, id: &str) -> Result<Option<School>, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM schools WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()?;
        Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
    }

    /// Schools, of one union council or all, by name.
    pub fn schools(&self, uc_code: Option<&str>) -> Result<Vec<School>, StoreError> {
        self.bodies(
            "SELECT body FROM schools WHERE ?1 IS NULL OR uc_code = ?1 ORDER BY name, id",
            uc_code,
        )
    }

    /// Infrastructure needs of the schools of one union council or all, oldest first.
    pub fn needs(&self, uc_code: Option<&str>) -> Result<Vec<InfrastructureNeed>, StoreError> {
        self.bodies(
            "SELECT n.body FROM needs n JOIN schools s ON s.id = n.school_id
              WHERE ?1 IS NULL OR s.uc_code = ?1 ORDER BY n.identified_on, n.id",
            uc_code,
        )
    }

    fn bodies<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        param: Option<&str>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let bodies = stmt.query_map([param], |row| row.get::<_, String>(0))?;
        bodies
            .map(|body| Ok(serde_json::from_str(&body?)?))
            .collect()
    }
}

fn write_school(editor: &Editor, school: &School) -> Result<(), StoreError> {
    editor.record(RecordKind::School, &school.id.to_string(), school)?;
    write_school_row(editor.tx, school)
}

fn write_need(editor: &Editor, need: &InfrastructureNeed) -> Result<(), StoreError> {
    editor.record(RecordKind::Need, &need.id.to_string(), need)?;
    write_need_row(editor.tx, need)
}

pub(crate) fn write_school_row(tx: &Transaction, school: &School) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO schools (id, uc_code, village_code, emis_code, name, functional, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET uc_code = excluded.uc_code, village_code = excluded.village_code,
             emis_code = excluded.emis_code, name = excluded.name, functional = excluded.functional,
             body = excluded.body",
    )?
    .execute(params![
        school.id.to_string(),
        school.uc_code,
        school.village_code,
        school.emis_code,
        school.name,
        school.functional,
        serde_json::to_string(school)?,
    ])?;
    Ok(())
}

pub(crate) fn write_need_row(
    tx: &Transaction,
    need: &InfrastructureNeed,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO needs (id, school_id, category, status, identified_on, resolved_on, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET school_id = excluded.school_id, category = excluded.category,
             status = excluded.status, identified_on = excluded.identified_on,
             resolved_on = excluded.resolved_on, body = excluded.body",
    )?
    .execute(params![
        need.id.to_string(),
        need.school_id.to_string(),
        need.category.code(),
        need.status().code(),
        need.identified_on.to_string(),
        need.resolved_on.map(|d| d.to_string()),
        serde_json::to_string(need)?,
    ])?;
    Ok(())
}
