//! Record bodies by kind and union council, one at a time, for exports: each with the record
//! it hangs on (a child's household, a follow-up's child, a need's school). Only what is shown
//! is listed: nothing deleted or merged away.

use crate::{Store, StoreError};
use daakhla_domain::RecordKind;
use daakhla_domain::record::StoredRecord;

/// Per kind: body, union council, parent's body, stage, enrolment date; `?1` a union council
/// or null for all.
fn query(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Household => {
            "SELECT body, uc_code, NULL, NULL, NULL FROM households
              WHERE NOT deleted AND merged_into IS NULL AND (?1 IS NULL OR uc_code = ?1)
              ORDER BY uc_code, village_code, length(household_number), household_number, id"
        }
        RecordKind::Child => {
            "SELECT c.body, h.uc_code, h.body, c.stage, c.enrolled_on
               FROM children c JOIN households h ON h.id = c.household_id
              WHERE NOT c.deleted AND NOT h.deleted AND h.merged_into IS NULL
                AND (?1 IS NULL OR h.uc_code = ?1)
              ORDER BY h.uc_code, h.village_code, length(h.household_number), h.household_number, c.id"
        }
        RecordKind::FollowUp => {
            "SELECT f.body, h.uc_code, c.body, NULL, NULL
               FROM follow_ups f JOIN children c ON c.id = f.child_id
               JOIN households h ON h.id = c.household_id
              WHERE NOT f.deleted AND NOT c.deleted AND NOT h.deleted AND h.merged_into IS NULL
                AND (?1 IS NULL OR h.uc_code = ?1)
              ORDER BY f.visited_on, f.id"
        }
        RecordKind::School => {
            "SELECT body, uc_code, NULL, NULL, NULL FROM schools
              WHERE ?1 IS NULL OR uc_code = ?1 ORDER BY uc_code, name, id"
        }
        RecordKind::Need => {
            "SELECT n.body, s.uc_code, s.body, NULL, NULL
               FROM needs n JOIN schools s ON s.id = n.school_id
              WHERE ?1 IS NULL OR s.uc_code = ?1 ORDER BY n.identified_on, n.id"
        }
    }
}

impl Store {
    /// Every shown record of `kind` in the union councils `ucs` (all if none), one at a time.
    pub fn for_each_stored<E: From<StoreError>>(
        &self,
        kind: RecordKind,
        ucs: Option<&[String]>,
        mut each: impl FnMut(StoredRecord) -> Result<(), E>,
    ) -> Result<(), E> {
        let all = [None];
        let filters: Vec<Option<&str>> = match ucs {
            Some(ucs) => ucs.iter().map(|uc| Some(uc.as_str())).collect(),
            None => all.to_vec(),
        };
        let mut stmt = self.conn.prepare(query(kind)).map_err(StoreError::from)?;
        for uc in filters {
            let mut rows = stmt.query([uc]).map_err(StoreError::from)?;
            while let Some(row) = rows.next().map_err(StoreError::from)? {
                let record = read(kind, row)?;
                each(record)?;
            }
        }
        Ok(())
    }
}

fn read(kind: RecordKind, row: &rusqlite::Row) -> Result<StoredRecord, StoreError> {
    let json = |text: Option<String>| -> Result<Option<serde_json::Value>, StoreError> {
        Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
    };
    Ok(StoredRecord {
        kind,
        body: serde_json::from_str(&row.get::<_, String>(0)?)?,
        uc_code: row.get(1)?,
        parent: json(row.get(2)?)?,
        stage: row.get(3)?,
        enrolled_on: row.get(4)?,
    })
}
