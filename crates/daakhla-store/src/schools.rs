//! Schools and their infrastructure needs. A school is saved whole (a census visit rewrites
//! it); a need is saved again each time it moves on, from identified to resolved. Both sync
//! like every other record.

use crate::documents::{Editor, RecordKind};
use crate::rows::{self, SqliteRows};
use crate::{Store, StoreError, write_in_chunks};
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_domain::validation::{Checker, Context, FieldPath, Rule, Validate, Violations};
use rusqlite::OptionalExtension;

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
    rows::write_school(&mut SqliteRows(editor.tx), school)
}

fn write_need(editor: &Editor, need: &InfrastructureNeed) -> Result<(), StoreError> {
    editor.record(RecordKind::Need, &need.id.to_string(), need)?;
    rows::write_need(&mut SqliteRows(editor.tx), need)?.map_err(|_| StoreError::NotFound {
        kind: "school",
        id: need.school_id.to_string(),
    })
}
