//! Likely duplicate households: the ones a new survey may repeat, before it is saved, and the
//! pairs a coordinator reviews, within each village. How alike two are is the domain's
//! `likeness`; this module finds whom to compare and remembers pairs found to be distinct.

use crate::{Store, StoreError};
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::ids::HouseholdId;
use daakhla_domain::likeness::{Likeness, Traits, likely_duplicate};
use rusqlite::params;

/// A stored household that looks like the one being entered.
#[derive(Debug, Clone, PartialEq)]
pub struct LikelyDuplicate {
    pub survey: HouseholdSurvey,
    pub likeness: Likeness,
}

/// Two stored households of one village that look like one.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DuplicatePair {
    pub first: HouseholdSurvey,
    pub second: HouseholdSurvey,
    pub likeness: Likeness,
}

impl Store {
    /// The shown households of `survey`'s village that look like it, most alike first. The
    /// survey itself (when it is stored) is left out.
    pub fn likely_duplicates_of(
        &self,
        survey: &HouseholdSurvey,
    ) -> Result<Vec<LikelyDuplicate>, StoreError> {
        let traits = Traits::of(survey);
        let mut found: Vec<LikelyDuplicate> = self
            .shown_surveys_of_village(&survey.household.village_code)?
            .into_iter()
            .filter(|(stored, _)| stored.household.id != survey.household.id)
            .filter_map(|(stored, stored_traits)| {
                let likeness = likely_duplicate(&traits, &stored_traits)?;
                Some(LikelyDuplicate {
                    survey: stored,
                    likeness,
                })
            })
            .collect();
        found.sort_by_key(|found| std::cmp::Reverse(found.likeness.score));
        Ok(found)
    }

    /// Every pair of shown households in one village of `uc` (or of every union council) that
    /// look like one, leaving out pairs marked distinct; most alike first. The earlier survey
    /// is `first`.
    pub fn duplicate_pairs(&self, uc: Option<&str>) -> Result<Vec<DuplicatePair>, StoreError> {
        let villages: Vec<String> = self
            .conn
            .prepare(
                "SELECT DISTINCT village_code FROM households
                  WHERE (?1 IS NULL OR uc_code = ?1) AND NOT deleted AND merged_into IS NULL
                  ORDER BY village_code",
            )?
            .query_map([uc], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let distinct = self.distinct_pairs()?;
        let mut pairs = Vec::new();
        for village in villages {
            let surveys = self.shown_surveys_of_village(&village)?;
            for (i, (first, first_traits)) in surveys.iter().enumerate() {
                for (second, second_traits) in &surveys[i + 1..] {
                    if distinct.contains(&ordered(first.household.id, second.household.id)) {
                        continue;
                    }
                    if let Some(likeness) = likely_duplicate(first_traits, second_traits) {
                        pairs.push(DuplicatePair {
                            first: first.clone(),
                            second: second.clone(),
                            likeness,
                        });
                    }
                }
            }
        }
        pairs.sort_by_key(|pair| std::cmp::Reverse(pair.likeness.score));
        Ok(pairs)
    }

    /// Records that two households are not the same, so the review list stops offering them.
    pub fn mark_distinct(&mut self, a: HouseholdId, b: HouseholdId) -> Result<(), StoreError> {
        self.check_two_shown([("first", a), ("second", b)])?;
        let (first, second) = ordered(a, b);
        self.conn.execute(
            "INSERT OR REPLACE INTO distinct_households (first, second, decided_by, decided_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![first, second, self.author, chrono::Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    fn distinct_pairs(&self) -> Result<std::collections::HashSet<(String, String)>, StoreError> {
        Ok(self
            .conn
            .prepare("SELECT first, second FROM distinct_households")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }

    /// A village's shown households with what they are compared on, earliest survey first.
    fn shown_surveys_of_village(
        &self,
        village: &str,
    ) -> Result<Vec<(HouseholdSurvey, Traits)>, StoreError> {
        let ids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT id FROM households
                  WHERE village_code = ?1 AND NOT deleted AND merged_into IS NULL
                  ORDER BY surveyed_on, id",
            )?
            .query_map([village], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        ids.into_iter()
            .map(|id| {
                let id = id.parse().map_err(|_| StoreError::NotFound {
                    kind: "household",
                    id,
                })?;
                let survey = self.survey(id)?;
                let traits = Traits::of(&survey);
                Ok((survey, traits))
            })
            .collect()
    }
}

fn ordered(a: HouseholdId, b: HouseholdId) -> (String, String) {
    let (a, b) = (a.to_string(), b.to_string());
    if a < b { (a, b) } else { (b, a) }
}
