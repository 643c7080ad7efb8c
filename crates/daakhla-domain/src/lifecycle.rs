//! A child's story: the survey row plus its follow-ups, read in order. OSC → follow-ups →
//! enrolled → retained (or dropped out again). Derived, never stored as the truth.

use crate::child::Child;
use crate::codes::{RetentionMilestone, coded_enum};
use crate::followup::{ChildFacts, FollowUp, Outcome};
use chrono::{Months, NaiveDate};
use serde::Serialize;

coded_enum! {
    /// Where a child's story stands now.
    pub enum Stage {
        InSchool = ("in_school", "In school at survey", "سروے کے وقت اسکول میں"),
        OutOfSchool = ("out_of_school", "Out of school, not yet visited", "اسکول سے باہر، ابھی ملاقات نہیں ہوئی"),
        FollowingUp = ("following_up", "Out of school, being followed up", "اسکول سے باہر، فالو اپ جاری"),
        Enrolled = ("enrolled", "Enrolled", "داخل"),
        Retained = ("retained", "Enrolled and attending", "داخل اور حاضر"),
        DroppedOutAgain = ("dropped_out_again", "Dropped out again", "دوبارہ اسکول چھوڑ دیا"),
        MovedAway = ("moved_away", "Moved away", "نقل مکانی کر گئے"),
    }
}

impl Stage {
    /// The resource person still has to visit this child to get them into school.
    pub fn needs_follow_up(self) -> bool {
        matches!(
            self,
            Stage::OutOfSchool | Stage::FollowingUp | Stage::DroppedOutAgain
        )
    }
}

/// Days after the last contact (the survey, or the latest visit) when an out-of-school
/// child is due another visit, and when that visit is overdue.
pub const VISIT_DUE_DAYS: u64 = 7;
pub const VISIT_OVERDUE_DAYS: u64 = 14;

coded_enum! {
    /// Whether an out-of-school child is due a visit, for the resource person's list.
    pub enum VisitDue {
        Overdue = ("overdue", "Visit overdue", "ملاقات میں تاخیر"),
        Due = ("due", "Visit due", "ملاقات کا وقت"),
        NotYet = ("not_yet", "Visited recently", "حال ہی میں ملاقات ہوئی"),
    }
}

/// The date a child last seen on `last_contact` is due a visit, and where that leaves it on
/// `today`.
pub fn visit_due(last_contact: NaiveDate, today: NaiveDate) -> (NaiveDate, VisitDue) {
    let due_on = last_contact + chrono::Days::new(VISIT_DUE_DAYS);
    let overdue_on = last_contact + chrono::Days::new(VISIT_OVERDUE_DAYS);
    let state = if today >= overdue_on {
        VisitDue::Overdue
    } else if today >= due_on {
        VisitDue::Due
    } else {
        VisitDue::NotYet
    };
    (due_on, state)
}

/// One retention check and when it falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetentionDue {
    pub milestone: RetentionMilestone,
    pub due_on: NaiveDate,
    pub done: bool,
}

/// What a child's follow-ups add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    pub stage: Stage,
    /// The admission date of the enrolment that counts (the latest).
    pub enrolled_on: Option<NaiveDate>,
    pub last_visit: Option<NaiveDate>,
    pub retention: Vec<RetentionDue>,
}

/// Follow-ups in the order they happened; ties broken by id, which is time-ordered.
pub fn sort_visits(follow_ups: &mut [FollowUp]) {
    follow_ups.sort_by_key(|f| (f.visited_on, f.id));
}

/// Reads a child's follow-ups (in any order) into where the child stands.
pub fn lifecycle(child: &Child, follow_ups: &[FollowUp]) -> Lifecycle {
    let mut visits: Vec<FollowUp> = follow_ups.iter().filter(|f| !f.deleted).cloned().collect();
    sort_visits(&mut visits);
    let mut stage = if child.is_out_of_school() {
        Stage::OutOfSchool
    } else {
        Stage::InSchool
    };
    let mut enrolled_on = None;
    for visit in &visits {
        stage = match &visit.outcome {
            Outcome::Enrolled { admitted_on, .. } => {
                enrolled_on = Some(admitted_on.unwrap_or(visit.visited_on));
                Stage::Enrolled
            }
            Outcome::RetentionCheck {
                dropped_out: true, ..
            } => Stage::DroppedOutAgain,
            Outcome::RetentionCheck { .. } if enrolled_on.is_some() => Stage::Retained,
            Outcome::RetentionCheck { .. } => stage,
            Outcome::MovedAway => Stage::MovedAway,
            Outcome::AdmissionPending { .. }
            | Outcome::Refused { .. }
            | Outcome::ChildWorking
            | Outcome::NotFound => Stage::FollowingUp,
        };
    }
    let retention = match (stage, enrolled_on) {
        (Stage::Enrolled | Stage::Retained, Some(since)) => {
            let checked_since = |milestone| {
                visits.iter().any(|v| {
                    matches!(v.outcome, Outcome::RetentionCheck { milestone: m, .. } if m == milestone)
                        && v.visited_on >= since
                })
            };
            <RetentionMilestone as crate::codes::Coded>::ALL
                .iter()
                .map(|&milestone| RetentionDue {
                    milestone,
                    due_on: since + Months::new(milestone.months()),
                    done: checked_since(milestone),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Lifecycle {
        stage,
        enrolled_on,
        last_visit: visits.last().map(|v| v.visited_on),
        retention,
    }
}

/// What the retention checks since the (latest) enrolment found, one letter per milestone in
/// the order of the closed list: `r` still in school at a check, `d` out of school again at
/// every check, `-` not checked (or never enrolled). How stores keep it for reports.
pub fn retention_code(child: &Child, follow_ups: &[FollowUp]) -> String {
    let Some(since) = lifecycle(child, follow_ups).enrolled_on else {
        return String::new();
    };
    <RetentionMilestone as crate::codes::Coded>::ALL
        .iter()
        .map(|&milestone| {
            let found: Vec<bool> = follow_ups
                .iter()
                .filter(|f| !f.deleted && f.visited_on >= since)
                .filter_map(|f| match f.outcome {
                    Outcome::RetentionCheck {
                        milestone: m,
                        dropped_out,
                        ..
                    } if m == milestone => Some(dropped_out),
                    _ => None,
                })
                .collect();
            match (found.is_empty(), found.iter().all(|&dropped| dropped)) {
                (true, _) => '-',
                (false, true) => 'd',
                (false, false) => 'r',
            }
        })
        .collect()
}

/// The facts a new follow-up is checked against, from the child's survey date and the
/// follow-ups already recorded.
pub fn child_facts(surveyed_on: NaiveDate, earlier: &[FollowUp]) -> ChildFacts {
    let enrolled_on = earlier
        .iter()
        .filter(|f| !f.deleted && matches!(f.outcome, Outcome::Enrolled { .. }))
        .map(|f| f.visited_on)
        .min();
    ChildFacts {
        surveyed_on,
        enrolled_on,
    }
}
