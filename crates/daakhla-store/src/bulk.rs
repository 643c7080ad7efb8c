//! Rows without documents, for reference data sets that reports and benchmarks read (the
//! seeds' campaign is 1.8 million records: through documents that is an hour, as rows a
//! minute). Records written this way have no Automerge document and no change, so they never
//! sync; a store holding them is for reading figures, not for the field.

use crate::rows::{
    FOLLOW_UPS, HOUSEHOLDS, NEEDS, RowSql, SCHOOLS, SqliteRows, WHOLE_CHILDREN, child_values,
    follow_up_values, household_values, lifecycle_values, need_values, school_values,
};
use crate::{Store, StoreError};
use daakhla_domain::followup::FollowUp;
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::school::{InfrastructureNeed, School};
use std::collections::HashMap;

impl Store {
    /// Writes records as the same rows a synced record has, in one transaction, without
    /// validating them or writing documents. Each child's lifecycle is read from
    /// `follow_ups` as sync would.
    pub fn load_rows_only(
        &mut self,
        surveys: &[HouseholdSurvey],
        follow_ups: &[FollowUp],
        schools: &[School],
        needs: &[InfrastructureNeed],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let mut visits: HashMap<_, Vec<FollowUp>> = HashMap::new();
        for f in follow_ups {
            visits.entry(f.child_id).or_default().push(f.clone());
        }
        let sql = &mut SqliteRows(&tx);
        for survey in surveys {
            let h = &survey.household;
            sql.execute(HOUSEHOLDS.upsert(), &household_values(h)?)?;
            for child in &survey.children {
                let theirs = visits.get(&child.id).map(Vec::as_slice).unwrap_or_default();
                let mut row = child_values(child, h.surveyed_on)?;
                row.extend(lifecycle_values(child, theirs));
                sql.execute(WHOLE_CHILDREN.upsert(), &row)?;
                for f in theirs {
                    sql.execute(FOLLOW_UPS.upsert(), &follow_up_values(f)?)?;
                }
            }
        }
        for school in schools {
            sql.execute(SCHOOLS.upsert(), &school_values(school)?)?;
        }
        for need in needs {
            sql.execute(NEEDS.upsert(), &need_values(need)?)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Refreshes the query planner's statistics (after loading many rows at once).
    pub fn analyze(&self) -> Result<(), StoreError> {
        Ok(self.conn.execute_batch("ANALYZE")?)
    }
}
