//! The resource person's follow-up list, a child's lifecycle page, and the follow-up form.

use crate::error::AppError;
use crate::vocabulary::{Choice, choice};
use crate::{App, IdRequest, SyncState};
use chrono::NaiveDate;
use daakhla_domain::child::{Class, SchoolRef};
use daakhla_domain::codes::{ChildSex, OutcomeKind, ReasonOutOfSchool, RetentionMilestone};
use daakhla_domain::followup::{FollowUp, Outcome};
use daakhla_domain::ids::{ChildId, FollowUpId, HouseholdId};
use daakhla_domain::lifecycle::{Stage, VisitDue, visit_due};
use daakhla_domain::validation::{FieldPath, Rule, Violation, Violations};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An out-of-school child still to be followed up.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct OscRow {
    #[ts(type = "string")]
    pub child_id: ChildId,
    pub name: String,
    #[ts(type = "ChildSex")]
    pub sex: ChildSex,
    pub age_years: u8,
    #[ts(type = "string")]
    pub household_id: HouseholdId,
    pub village_code: String,
    pub household_number: String,
    pub head_name: Option<String>,
    /// The village's name, in both languages.
    pub village_en: String,
    pub village_ur: String,
    #[ts(type = "Stage")]
    pub stage: Stage,
    pub last_visit: Option<String>,
    /// When the next visit falls due (`lifecycle::visit_due`), and whether it is late.
    #[ts(type = "string")]
    pub due_on: NaiveDate,
    #[ts(type = "VisitDue")]
    pub due: VisitDue,
    #[ts(type = "Array<ReasonOutOfSchool>")]
    pub reasons: Vec<ReasonOutOfSchool>,
    pub sync_state: SyncState,
}

/// Which children to list: a union council or everyone on the device, one village or all,
/// and which page (`limit` rows from `offset`; `FOLLOW_UP_PAGE` when left out).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct FollowUpListRequest {
    pub uc_code: Option<String>,
    pub village_code: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub offset: Option<u32>,
    #[serde(default)]
    #[ts(optional)]
    pub limit: Option<u32>,
}

/// Rows a page of the follow-up list shows: a phone draws them at once, and the next page
/// comes when asked.
pub const FOLLOW_UP_PAGE: u32 = 50;

/// One page of the follow-up list, overdue visits first, then those due, then the rest, each
/// by village and household number; with how many there are in all, and in each village.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FollowUpPage {
    pub rows: Vec<OscRow>,
    pub offset: u32,
    /// Children listed in all (in the village chosen), overdue and due among them.
    pub total: u32,
    pub overdue: u32,
    pub due: u32,
    /// Every village with children to follow up (whichever is chosen), with their number.
    pub villages: Vec<VillageCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VillageCount {
    pub code: String,
    pub en: String,
    pub ur: String,
    pub count: u32,
}

/// A child's story: the survey, every visit, where it stands, and the retention checks.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ChildPage {
    #[ts(type = "string")]
    pub id: ChildId,
    pub name: String,
    #[ts(type = "ChildSex")]
    pub sex: ChildSex,
    pub age_years: Option<u8>,
    #[ts(type = "string")]
    pub household_id: HouseholdId,
    pub village_code: String,
    pub household_number: String,
    pub head_name: Option<String>,
    #[ts(type = "string")]
    pub surveyed_on: NaiveDate,
    pub schooling_at_survey: Choice,
    pub reasons: Vec<Choice>,
    #[ts(type = "Stage")]
    pub stage: Stage,
    pub needs_follow_up: bool,
    #[ts(type = "string | null")]
    pub enrolled_on: Option<NaiveDate>,
    pub visits: Vec<VisitRow>,
    pub retention: Vec<RetentionRow>,
    pub sync_state: SyncState,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VisitRow {
    #[ts(type = "string")]
    pub id: FollowUpId,
    #[ts(type = "string")]
    pub visited_on: NaiveDate,
    pub visited_by: String,
    pub outcome: Choice,
    pub details: VisitDetails,
    pub sync_state: SyncState,
}

/// The parts of a visit its outcome has: the school and class, the reason, or the
/// retention check's answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct VisitDetails {
    pub school_name: Option<String>,
    pub class: Option<u8>,
    pub why: Option<String>,
    pub milestone: Option<Choice>,
    pub attending_regularly: Option<bool>,
    pub days_attended_last_week: Option<u8>,
    pub dropped_out: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RetentionRow {
    pub milestone: Choice,
    #[ts(type = "string")]
    pub due_on: NaiveDate,
    pub done: bool,
    /// Not done and its date has passed.
    pub overdue: bool,
}

/// The follow-up form: one visit to one child, today. Which fields count depends on
/// `outcome`, as the domain's `Outcome` says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FollowUpInput {
    pub child_id: String,
    pub visited_by: String,
    #[ts(type = "OutcomeKind | null")]
    pub outcome: Option<OutcomeKind>,
    /// Enrolled: school, class and admission date (today when left out).
    pub school_name: Option<String>,
    pub class: Option<u8>,
    #[ts(type = "string | null")]
    pub admitted_on: Option<NaiveDate>,
    /// Admission pending (required) or refused (optional): why.
    pub why: Option<String>,
    /// Retention check.
    #[ts(type = "RetentionMilestone | null")]
    pub milestone: Option<RetentionMilestone>,
    pub attending_regularly: Option<bool>,
    pub days_attended_last_week: Option<u8>,
    pub dropped_out: bool,
    #[ts(type = "Array<ReasonOutOfSchool>")]
    pub dropout_reasons: Vec<ReasonOutOfSchool>,
    pub notes: Option<String>,
}

impl FollowUpInput {
    pub fn to_follow_up(&self, today: NaiveDate) -> Result<FollowUp, Violations> {
        let required = |field: &'static str| {
            Violations(vec![Violation::new(
                FieldPath::root().key(field),
                Rule::Required,
            )])
        };
        let child_id: ChildId = self.child_id.parse().map_err(|_| required("child_id"))?;
        let text = |t: &Option<String>| {
            t.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        let outcome = match self.outcome.ok_or_else(|| required("outcome"))? {
            OutcomeKind::Enrolled => Outcome::Enrolled {
                school: text(&self.school_name).map(|name| SchoolRef { id: None, name }),
                class: self.class.map(Class),
                admitted_on: self.admitted_on,
            },
            OutcomeKind::AdmissionPending => Outcome::AdmissionPending {
                why: text(&self.why).unwrap_or_default(),
            },
            OutcomeKind::Refused => Outcome::Refused {
                why: text(&self.why),
            },
            OutcomeKind::MovedAway => Outcome::MovedAway,
            OutcomeKind::ChildWorking => Outcome::ChildWorking,
            OutcomeKind::NotFound => Outcome::NotFound,
            OutcomeKind::RetentionCheck => {
                let (Some(milestone), Some(attending_regularly)) =
                    (self.milestone, self.attending_regularly)
                else {
                    let mut missing = Vec::new();
                    if self.milestone.is_none() {
                        missing.push(Violation::new(
                            FieldPath::root().key("milestone"),
                            Rule::Required,
                        ));
                    }
                    if self.attending_regularly.is_none() {
                        missing.push(Violation::new(
                            FieldPath::root().key("attending_regularly"),
                            Rule::Required,
                        ));
                    }
                    return Err(Violations(missing));
                };
                Outcome::RetentionCheck {
                    milestone,
                    attending_regularly,
                    days_attended_last_week: self.days_attended_last_week,
                    dropped_out: self.dropped_out,
                    dropout_reasons: if self.dropped_out {
                        self.dropout_reasons.clone()
                    } else {
                        Vec::new()
                    },
                }
            }
        };
        Ok(FollowUp {
            id: FollowUpId::new(),
            child_id,
            visited_on: today,
            visited_by: self.visited_by.trim().into(),
            outcome,
            notes: text(&self.notes),
            deleted: false,
        })
    }
}

/// Where a domain field of a follow-up sits in `FollowUpInput`: the form keeps the outcome's
/// fields flat.
pub fn follow_up_input_path(domain_path: &str) -> String {
    match domain_path {
        "outcome.school" | "outcome.school.name" => "school_name".into(),
        "outcome.kind" => "outcome".into(),
        other => other.strip_prefix("outcome.").unwrap_or(other).to_string(),
    }
}

/// What a visit found beyond its outcome, each part in its own field for the UI to word.
fn visit_details(outcome: &Outcome) -> VisitDetails {
    let mut details = VisitDetails::default();
    match outcome {
        Outcome::Enrolled { school, class, .. } => {
            details.school_name = school.as_ref().map(|s| s.name.clone());
            details.class = class.map(|c| c.0);
        }
        Outcome::AdmissionPending { why } => details.why = Some(why.clone()),
        Outcome::Refused { why } => details.why = why.clone(),
        Outcome::RetentionCheck {
            milestone,
            attending_regularly,
            days_attended_last_week,
            dropped_out,
            ..
        } => {
            details.milestone = Some(choice(*milestone));
            details.attending_regularly = Some(*attending_regularly);
            details.days_attended_last_week = *days_attended_last_week;
            details.dropped_out = *dropped_out;
        }
        Outcome::MovedAway | Outcome::ChildWorking | Outcome::NotFound => {}
    }
    details
}

impl App {
    pub fn follow_up_list(&self, request: FollowUpListRequest) -> Result<FollowUpPage, AppError> {
        let today = self.today();
        let store = self.store();
        let all = store.follow_ups_due(request.uc_code.as_deref(), None)?;
        // Village names, and how many children each village has waiting.
        let mut villages: Vec<VillageCount> = Vec::new();
        for d in &all {
            match villages.iter_mut().find(|v| v.code == d.village_code) {
                Some(v) => v.count += 1,
                None => {
                    let (en, ur) = match store.place(&d.village_code)? {
                        Some(p) => (p.name_en, p.name_ur),
                        None => (d.village_code.clone(), d.village_code.clone()),
                    };
                    villages.push(VillageCount {
                        code: d.village_code.clone(),
                        en,
                        ur,
                        count: 1,
                    });
                }
            }
        }
        let mut listed: Vec<(VisitDue, NaiveDate, usize)> = all
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                request
                    .village_code
                    .as_deref()
                    .is_none_or(|v| v == d.village_code)
            })
            .map(|(i, d)| {
                let contact = d
                    .last_visit
                    .as_deref()
                    .unwrap_or(&d.surveyed_on)
                    .parse()
                    .unwrap_or(today);
                let (due_on, due) = visit_due(contact, today);
                (due, due_on, i)
            })
            .collect();
        // Stable: within each state, the store's order (village, household number); the
        // longest waiting first among those late.
        listed.sort_by_key(|&(due, due_on, _)| {
            (
                due,
                if due == VisitDue::NotYet {
                    None
                } else {
                    Some(due_on)
                },
            )
        });
        let count = |state: VisitDue| count32(listed.iter().filter(|l| l.0 == state).count());
        let offset = request.offset.unwrap_or(0);
        let limit = request.limit.unwrap_or(FOLLOW_UP_PAGE).clamp(1, 500);
        let page: Vec<(VisitDue, NaiveDate, usize)> = listed
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .copied()
            .collect();
        let ids: Vec<String> = page
            .iter()
            .map(|&(_, _, i)| all[i].child_id.to_string())
            .collect();
        let states = self.sync_states_of(&store, &ids)?;
        let rows = page
            .into_iter()
            .map(|(due, due_on, i)| {
                let d = &all[i];
                let village = villages.iter().find(|v| v.code == d.village_code);
                OscRow {
                    sync_state: states.of(&d.child_id.to_string()),
                    child_id: d.child_id,
                    name: d.name.clone(),
                    sex: d.sex,
                    age_years: d.age_years,
                    household_id: d.household_id,
                    village_code: d.village_code.clone(),
                    village_en: village.map(|v| v.en.clone()).unwrap_or_default(),
                    village_ur: village.map(|v| v.ur.clone()).unwrap_or_default(),
                    household_number: d.household_number.clone(),
                    head_name: d.head_name.clone(),
                    stage: d.stage,
                    last_visit: d.last_visit.clone(),
                    due_on,
                    due,
                    reasons: d.reasons.clone(),
                }
            })
            .collect();
        Ok(FollowUpPage {
            rows,
            offset,
            total: count32(listed.len()),
            overdue: count(VisitDue::Overdue),
            due: count(VisitDue::Due),
            villages,
        })
    }

    pub fn child(&self, request: IdRequest) -> Result<ChildPage, AppError> {
        let id: ChildId = crate::parse_id(&request.id)?;
        let store = self.store();
        let states = self.sync_states(&store)?;
        let story = store.child_story(id)?;
        let today = self.today();
        let child = &story.child;
        let visits = story
            .follow_ups
            .iter()
            .filter(|f| !f.deleted)
            .map(|f| VisitRow {
                id: f.id,
                visited_on: f.visited_on,
                visited_by: f.visited_by.clone(),
                outcome: choice(f.outcome.kind()),
                details: visit_details(&f.outcome),
                sync_state: states.of(&f.id.to_string()),
            })
            .collect();
        Ok(ChildPage {
            id: child.id,
            name: child.name.clone(),
            sex: child.sex,
            age_years: child
                .age_on(story.surveyed_on)
                .and_then(|a| u8::try_from(a).ok()),
            household_id: child.household_id,
            village_code: story.village_code.clone(),
            household_number: story.household_number.clone(),
            head_name: story.head_name.clone(),
            surveyed_on: story.surveyed_on,
            schooling_at_survey: choice(child.schooling.status()),
            reasons: child
                .reasons_out_of_school
                .iter()
                .map(|&r| choice(r))
                .collect(),
            stage: story.lifecycle.stage,
            needs_follow_up: story.lifecycle.stage.needs_follow_up(),
            enrolled_on: story.lifecycle.enrolled_on,
            visits,
            retention: story
                .lifecycle
                .retention
                .iter()
                .map(|r| RetentionRow {
                    milestone: choice(r.milestone),
                    due_on: r.due_on,
                    done: r.done,
                    overdue: !r.done && r.due_on < today,
                })
                .collect(),
            sync_state: states.of(&child.id.to_string()),
        })
    }

    pub fn add_follow_up(&self, input: FollowUpInput) -> Result<ChildPage, AppError> {
        let follow_up = input
            .to_follow_up(self.today())
            .map_err(|v| AppError::invalid(&v, &follow_up_input_path))?;
        self.store()
            .add_follow_ups(
                std::slice::from_ref(&follow_up),
                &self.context(),
                &mut |_| {},
            )
            .map_err(|e| match e {
                daakhla_store::StoreError::Invalid(v) => {
                    AppError::invalid(&v, &follow_up_input_path)
                }
                e => e.into(),
            })?;
        self.child(IdRequest { id: input.child_id })
    }
}

fn count32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
