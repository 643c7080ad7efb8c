//! The union council report: what a coordinator sends officials and a supervisor reads.
//! Girls' numbers are always counted apart from boys'.

use crate::{Store, StoreError};
use daakhla_domain::Lang;
use daakhla_domain::codes::{ChildSex, ReasonOutOfSchool};
use rusqlite::params;
use serde::Serialize;

/// A count with girls, boys and transgender children apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BySex {
    pub girls: u64,
    pub boys: u64,
    pub transgender: u64,
}

impl BySex {
    pub fn total(&self) -> u64 {
        self.girls + self.boys + self.transgender
    }

    fn add(&mut self, sex: ChildSex, count: u64) {
        match sex {
            ChildSex::Girl => self.girls += count,
            ChildSex::Boy => self.boys += count,
            ChildSex::Transgender => self.transgender += count,
        }
    }
}

/// School-age bands: primary, middle and secondary ages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AgeBand {
    From5To9,
    From10To12,
    From13To16,
}

impl AgeBand {
    pub const ALL: [AgeBand; 3] = [AgeBand::From5To9, AgeBand::From10To12, AgeBand::From13To16];

    pub fn range(self) -> (u8, u8) {
        match self {
            AgeBand::From5To9 => (5, 9),
            AgeBand::From10To12 => (10, 12),
            AgeBand::From13To16 => (13, 16),
        }
    }

    pub fn label(self, lang: Lang) -> String {
        let (from, to) = self.range();
        match lang {
            Lang::En => format!("{from}–{to} years"),
            Lang::Ur => format!("{from} تا {to} سال"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub reason: ReasonOutOfSchool,
    pub children: BySex,
}

/// One union council's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UcReport {
    pub uc_code: String,
    pub uc_name_en: String,
    pub uc_name_ur: String,
    pub households: u64,
    /// Households that gave no consent: counted, with no personal data.
    pub households_without_consent: u64,
    pub children: BySex,
    /// Out of school when surveyed.
    pub out_of_school: BySex,
    pub out_of_school_by_age: Vec<(AgeBand, BySex)>,
    /// Out-of-school children a follow-up has enrolled.
    pub enrolled: BySex,
    pub still_to_follow_up: BySex,
    pub dropped_out_again: BySex,
    pub follow_ups: u64,
    /// Most common first.
    pub reasons: Vec<ReasonCount>,
}

impl Store {
    pub fn uc_report(&self, uc_code: &str) -> Result<UcReport, StoreError> {
        let uc = self.place(uc_code)?.ok_or_else(|| StoreError::NotFound {
            kind: "union council",
            id: uc_code.to_string(),
        })?;
        let (households, households_without_consent) = self.conn.query_row(
            "SELECT count(*), coalesce(sum(NOT consent), 0) FROM households
              WHERE uc_code = ?1 AND NOT deleted AND merged_into IS NULL",
            [uc_code],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let children_where = |condition: &str| self.children_by_sex(uc_code, condition);
        let out_of_school_by_age = AgeBand::ALL
            .iter()
            .map(|band| {
                let (from, to) = band.range();
                Ok((
                    *band,
                    children_where(&format!(
                        "c.out_of_school AND c.age_years BETWEEN {from} AND {to}"
                    ))?,
                ))
            })
            .collect::<Result<_, StoreError>>()?;
        let follow_ups = self.conn.query_row(
            "SELECT count(*) FROM follow_ups f JOIN children c ON c.id = f.child_id
               JOIN households h ON h.id = c.household_id
              WHERE h.uc_code = ?1 AND NOT f.deleted AND NOT c.deleted AND NOT h.deleted AND h.merged_into IS NULL",
            [uc_code],
            |row| row.get(0),
        )?;
        Ok(UcReport {
            uc_code: uc.code.clone(),
            uc_name_en: uc.name_en,
            uc_name_ur: uc.name_ur,
            households,
            households_without_consent,
            children: children_where("1")?,
            out_of_school: children_where("c.out_of_school")?,
            out_of_school_by_age,
            enrolled: children_where("c.out_of_school AND c.enrolled_on IS NOT NULL")?,
            still_to_follow_up: children_where(
                "c.stage IN ('out_of_school', 'following_up', 'dropped_out_again')",
            )?,
            dropped_out_again: children_where("c.stage = 'dropped_out_again'")?,
            follow_ups,
            reasons: self.reasons_ranked(uc_code)?,
        })
    }

    /// Children of a UC meeting `condition` (SQL over `c`, the children table), by sex.
    fn children_by_sex(&self, uc_code: &str, condition: &str) -> Result<BySex, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT c.sex, count(*) FROM children c JOIN households h ON h.id = c.household_id
              WHERE h.uc_code = ?1 AND NOT c.deleted AND NOT h.deleted AND h.merged_into IS NULL
                AND ({condition}) GROUP BY c.sex"
        ))?;
        let mut counts = BySex::default();
        let rows = stmt.query_map(params![uc_code], |row| {
            Ok((crate::coded_column(row, 0)?, row.get(1)?))
        })?;
        for row in rows {
            let (sex, count) = row?;
            counts.add(sex, count);
        }
        Ok(counts)
    }

    fn reasons_ranked(&self, uc_code: &str) -> Result<Vec<ReasonCount>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.value, c.sex, count(*)
               FROM children c JOIN households h ON h.id = c.household_id,
                    json_each(c.body, '$.reasons_out_of_school') r
              WHERE h.uc_code = ?1 AND c.out_of_school AND NOT c.deleted AND NOT h.deleted AND h.merged_into IS NULL
              GROUP BY r.value, c.sex",
        )?;
        let mut reasons: Vec<ReasonCount> = Vec::new();
        let rows = stmt.query_map([uc_code], |row| {
            Ok((
                crate::coded_column::<ReasonOutOfSchool>(row, 0)?,
                crate::coded_column(row, 1)?,
                row.get(2)?,
            ))
        })?;
        for row in rows {
            let (reason, sex, count) = row?;
            match reasons.iter_mut().find(|r| r.reason == reason) {
                Some(entry) => entry.children.add(sex, count),
                None => {
                    let mut children = BySex::default();
                    children.add(sex, count);
                    reasons.push(ReasonCount { reason, children });
                }
            }
        }
        // Most common first; ties in the order of the closed list.
        reasons.sort_by_key(|r| (std::cmp::Reverse(r.children.total()), r.reason));
        Ok(reasons)
    }
}
