//! Likely duplicate households: the ones the survey wizard shows before a household is saved,
//! and the coordinator's review list, where a pair is merged (the merge syncs) or marked as
//! two households (remembered on this device).

use crate::error::AppError;
use crate::survey::{HouseholdPage, SurveyInput, household_page, survey_input_path};
use crate::{App, SyncStates};
use daakhla_domain::Lang;
use daakhla_domain::codes::SchoolingStatus;
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::ids::HouseholdId;
use daakhla_domain::likeness::Likeness;
use daakhla_reports::Label;
use daakhla_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A stored household that looks like the one being entered.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DuplicateMatch {
    pub household: HouseholdPage,
    /// 0–100; from 50 up a pair is shown.
    pub score: u8,
    /// Why it looks alike, in both languages.
    pub clues: Vec<Label>,
}

/// Two households of one village that look like one; `first` was surveyed first.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DuplicatePairRow {
    pub first: HouseholdPage,
    pub second: HouseholdPage,
    pub score: u8,
    pub clues: Vec<Label>,
}

/// Whose pairs to list: a union council, or every one on the device.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct DuplicatesRequest {
    pub uc_code: Option<String>,
}

/// The same household: `merge` is shown as `keep` from now on, its children with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MergeRequest {
    pub keep: String,
    pub merge: String,
    /// The list to answer with, as it was asked for.
    pub uc_code: Option<String>,
}

/// A merge done: how many children stood on both rosters and are now kept once, and the
/// review list left.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Merged {
    pub children_kept_once: u32,
    pub pairs: Vec<DuplicatePairRow>,
}

/// Two households after all: the review list stops offering the pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DistinctRequest {
    pub first: String,
    pub second: String,
    pub uc_code: Option<String>,
}

fn clue_labels(likeness: &Likeness) -> Vec<Label> {
    likeness
        .clues
        .iter()
        .map(|clue| Label {
            code: clue.code().into(),
            en: clue.describe(Lang::En),
            ur: clue.describe(Lang::Ur),
        })
        .collect()
}

/// A request's field names are the review screen's: `keep`/`merge`, `first`/`second`.
fn review_path(field: &str) -> String {
    match field {
        "id" => "merge".into(),
        "merged_into" => "keep".into(),
        other => other.into(),
    }
}

fn review_error(e: StoreError) -> AppError {
    match e {
        StoreError::Invalid(v) => AppError::invalid(&v, &review_path),
        e => e.into(),
    }
}

impl App {
    /// The village's households that look like the survey being entered, most alike first.
    /// Children the form has not yet given a sex are left out of the comparison; schooling
    /// plays no part in it, so the roster compares before each child's status is asked.
    pub fn likely_duplicates(
        &self,
        mut input: SurveyInput,
    ) -> Result<Vec<DuplicateMatch>, AppError> {
        input.children.retain(|c| c.sex.is_some());
        for child in &mut input.children {
            child
                .schooling
                .get_or_insert(SchoolingStatus::NeverEnrolled);
        }
        let survey = input
            .to_survey(self.today())
            .map_err(|v| AppError::invalid(&v, &survey_input_path))?;
        let store = self.store();
        let states = self.sync_states(&store)?;
        store
            .likely_duplicates_of(&survey)?
            .into_iter()
            .map(|found| {
                Ok(DuplicateMatch {
                    household: household_page(&store, &states, found.survey)?,
                    score: found.likeness.score,
                    clues: clue_labels(&found.likeness),
                })
            })
            .collect()
    }

    pub fn duplicate_pairs(
        &self,
        request: DuplicatesRequest,
    ) -> Result<Vec<DuplicatePairRow>, AppError> {
        let store = self.store();
        self.pair_rows(&store, request.uc_code.as_deref())
    }

    pub fn merge_duplicates(&self, request: MergeRequest) -> Result<Merged, AppError> {
        let keep: HouseholdId = crate::parse_id(&request.keep)?;
        let merge: HouseholdId = crate::parse_id(&request.merge)?;
        let mut store = self.store();
        let twice = store.merge_households(merge, keep).map_err(review_error)?;
        Ok(Merged {
            children_kept_once: twice.len() as u32,
            pairs: self.pair_rows(&store, request.uc_code.as_deref())?,
        })
    }

    pub fn mark_distinct(
        &self,
        request: DistinctRequest,
    ) -> Result<Vec<DuplicatePairRow>, AppError> {
        let first: HouseholdId = crate::parse_id(&request.first)?;
        let second: HouseholdId = crate::parse_id(&request.second)?;
        let mut store = self.store();
        store.mark_distinct(first, second).map_err(review_error)?;
        self.pair_rows(&store, request.uc_code.as_deref())
    }

    /// The review list, each household as its page shows it.
    fn pair_rows(
        &self,
        store: &Store,
        uc: Option<&str>,
    ) -> Result<Vec<DuplicatePairRow>, AppError> {
        let states: SyncStates = self.sync_states(store)?;
        let page = |survey: HouseholdSurvey| household_page(store, &states, survey);
        store
            .duplicate_pairs(uc)?
            .into_iter()
            .map(|pair| {
                Ok(DuplicatePairRow {
                    clues: clue_labels(&pair.likeness),
                    score: pair.likeness.score,
                    first: page(pair.first)?,
                    second: page(pair.second)?,
                })
            })
            .collect()
    }
}
