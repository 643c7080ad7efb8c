//! Enrolment follow-ups: the visits to an out-of-school child until they are in class, and the
//! retention checks after.

use crate::child::{Class, SchoolRef};
use crate::codes::{OutcomeKind, ReasonOutOfSchool, RetentionMilestone};
use crate::ids::{ChildId, FollowUpId};
use crate::validation::{Checker, Context, FieldPath, MAX_LONG_TEXT, Rule, Violations};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One visit about one child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    #[serde(default = "FollowUpId::new")]
    pub id: FollowUpId,
    pub child_id: ChildId,
    pub visited_on: NaiveDate,
    #[serde(default)]
    pub visited_by: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Deleted (recorded by mistake): a tombstone that syncs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// What the visit found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Outcome {
    Enrolled {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        school: Option<SchoolRef>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        class: Option<Class>,
        /// When the school admitted the child; the visit date when not given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        admitted_on: Option<NaiveDate>,
    },
    AdmissionPending {
        #[serde(default)]
        why: String,
    },
    Refused {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<String>,
    },
    MovedAway,
    ChildWorking,
    NotFound,
    RetentionCheck {
        milestone: RetentionMilestone,
        attending_regularly: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        days_attended_last_week: Option<u8>,
        /// The child has left school again.
        #[serde(default)]
        dropped_out: bool,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        dropout_reasons: Vec<ReasonOutOfSchool>,
    },
}

impl Outcome {
    /// A retention check's milestone.
    pub fn milestone(&self) -> Option<RetentionMilestone> {
        match self {
            Outcome::RetentionCheck { milestone, .. } => Some(*milestone),
            _ => None,
        }
    }

    /// A retention check found the child had left school again.
    pub fn dropped_out(&self) -> bool {
        matches!(
            self,
            Outcome::RetentionCheck {
                dropped_out: true,
                ..
            }
        )
    }

    pub fn kind(&self) -> OutcomeKind {
        match self {
            Outcome::Enrolled { .. } => OutcomeKind::Enrolled,
            Outcome::AdmissionPending { .. } => OutcomeKind::AdmissionPending,
            Outcome::Refused { .. } => OutcomeKind::Refused,
            Outcome::MovedAway => OutcomeKind::MovedAway,
            Outcome::ChildWorking => OutcomeKind::ChildWorking,
            Outcome::NotFound => OutcomeKind::NotFound,
            Outcome::RetentionCheck { .. } => OutcomeKind::RetentionCheck,
        }
    }
}

/// What a follow-up's rules need to know about its child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildFacts {
    pub surveyed_on: NaiveDate,
    /// The visit date of the first earlier follow-up that enrolled the child, if any.
    pub enrolled_on: Option<NaiveDate>,
}

impl FollowUp {
    pub fn validate_against(&self, ctx: &Context, child: &ChildFacts) -> Result<(), Violations> {
        let mut c = Checker::new(*ctx);
        self.check_against(child, &FieldPath::root(), &mut c);
        c.finish()
    }

    pub fn check_against(&self, child: &ChildFacts, at: &FieldPath, c: &mut Checker) {
        if self.child_id.is_unset() {
            c.push(at.key("child_id"), Rule::Required);
        }
        c.required_text(at.key("visited_by"), &self.visited_by);
        c.not_in_future(at.key("visited_on"), self.visited_on);
        if self.visited_on < child.surveyed_on {
            c.push(
                at.key("visited_on"),
                Rule::FollowUpBeforeSurvey {
                    surveyed_on: child.surveyed_on,
                },
            );
        }
        c.optional_text(at.key("notes"), self.notes.as_deref(), MAX_LONG_TEXT);

        let outcome_at = at.key("outcome");
        match &self.outcome {
            Outcome::Enrolled {
                school,
                class,
                admitted_on,
            } => {
                match school {
                    Some(school) => school.check(&outcome_at.key("school"), c),
                    None => c.push(outcome_at.key("school"), Rule::RequiredWhenEnrolled),
                }
                match class {
                    Some(class) => c.in_range(
                        outcome_at.key("class"),
                        class.0.into(),
                        0,
                        Class::HIGHEST.into(),
                    ),
                    None => c.push(outcome_at.key("class"), Rule::RequiredWhenEnrolled),
                }
                if let Some(admitted_on) = *admitted_on {
                    c.not_in_future(outcome_at.key("admitted_on"), admitted_on);
                }
            }
            Outcome::AdmissionPending { why } => c.required_text(outcome_at.key("why"), why),
            Outcome::Refused { why } => {
                c.optional_text(outcome_at.key("why"), why.as_deref(), MAX_LONG_TEXT)
            }
            Outcome::MovedAway | Outcome::ChildWorking | Outcome::NotFound => {}
            Outcome::RetentionCheck {
                days_attended_last_week,
                dropped_out,
                dropout_reasons,
                ..
            } => {
                match child.enrolled_on {
                    Some(enrolled_on) if enrolled_on <= self.visited_on => {}
                    _ => c.push(outcome_at.key("kind"), Rule::RetentionBeforeEnrolment),
                }
                if let Some(days) = days_attended_last_week {
                    c.in_range(
                        outcome_at.key("days_attended_last_week"),
                        (*days).into(),
                        0,
                        7,
                    );
                }
                let reasons_at = outcome_at.key("dropout_reasons");
                if !dropped_out && !dropout_reasons.is_empty() {
                    c.push(reasons_at.clone(), Rule::MustBeEmpty);
                }
                c.no_repeats(&reasons_at, dropout_reasons);
            }
        }
    }
}
