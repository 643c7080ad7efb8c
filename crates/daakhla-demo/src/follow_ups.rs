//! Follow-ups: the resource person's visits to out-of-school children, until they are
//! enrolled or the family moves away, and the retention checks after.

use crate::names;
use crate::rng::Rng;
use crate::surveys::{class_to_join, government_school};
use crate::{DemoOptions, uuid_at, visit_millis};
use chrono::{Days, Months, NaiveDate};
use daakhla_domain::child::{Child, SchoolRef, Schooling};
use daakhla_domain::codes::{ChildSex, Coded, OutcomeKind, ReasonOutOfSchool, RetentionMilestone};
use daakhla_domain::followup::{FollowUp, Outcome};
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::ids::FollowUpId;

/// Follow-ups for a share of the surveys' out-of-school children (more of those whose
/// parents are willing): one to three visits, the first a few days after the survey, each
/// after the one before and none after `options.today`, until the child is enrolled or has
/// moved away; then, for most enrolled children, the retention checks whose dates have come
/// (at 1, 3 and 6 months after admission). Girls are enrolled less often than boys, as in
/// the campaign. Each child's visits are listed together, in date order, and depend only on
/// the seed, the child and the survey date: the same ones come out whatever other surveys
/// are passed along.
pub fn demo_follow_ups(surveys: &[HouseholdSurvey], options: &DemoOptions) -> Vec<FollowUp> {
    let mut follow_ups = Vec::new();
    for survey in surveys {
        for child in survey.children.iter().filter(|c| c.is_out_of_school()) {
            child_follow_ups(survey, child, options, &mut follow_ups);
        }
    }
    follow_ups
}

fn child_follow_ups(
    survey: &HouseholdSurvey,
    child: &Child,
    options: &DemoOptions,
    out: &mut Vec<FollowUp>,
) {
    let mut rng = Rng::keyed(options.seed, format!("follow-ups {}", child.id).as_bytes());
    let rng = &mut rng;
    let share = match child.willing_to_enrol {
        Some(true) => 0.8,
        Some(false) => 0.45,
        None => 0.6,
    };
    if !rng.chance(share) {
        return;
    }
    let surveyed_on = survey.household.surveyed_on;
    let visitor = &survey.household.surveyed_by;
    let visits = rng.weighted(&[(1, 40), (2, 35), (3, 25)]);
    let mut date = surveyed_on + Days::new(rng.between(2, 14) as u64);
    let mut previous = None;
    for n in 0..visits {
        if n > 0 {
            date = date + Days::new(rng.between(7, 21) as u64);
        }
        if date > options.today {
            return;
        }
        let kind = next_outcome(rng, child, previous);
        let outcome = match kind {
            OutcomeKind::Enrolled => enrolment(rng, survey, child, date),
            OutcomeKind::AdmissionPending => Outcome::AdmissionPending {
                why: rng.pick(names::PENDING_WHY).to_string(),
            },
            OutcomeKind::Refused => Outcome::Refused {
                why: rng
                    .chance(0.7)
                    .then(|| rng.pick(names::REFUSED_WHY).to_string()),
            },
            OutcomeKind::MovedAway => Outcome::MovedAway,
            OutcomeKind::ChildWorking => Outcome::ChildWorking,
            OutcomeKind::NotFound => Outcome::NotFound,
            OutcomeKind::RetentionCheck => unreachable!("visits before enrolment check nothing"),
        };
        let admitted_on = match &outcome {
            Outcome::Enrolled { admitted_on, .. } => Some(admitted_on.unwrap_or(date)),
            _ => None,
        };
        out.push(visit(rng, child, visitor, date, outcome));
        if let Some(admitted_on) = admitted_on {
            retention_checks(rng, child, visitor, admitted_on, options.today, out);
        }
        if matches!(kind, OutcomeKind::Enrolled | OutcomeKind::MovedAway) {
            return;
        }
        previous = Some(kind);
    }
}

fn visit(
    rng: &mut Rng,
    child: &Child,
    visitor: &str,
    date: NaiveDate,
    outcome: Outcome,
) -> FollowUp {
    let millis = visit_millis(rng, date);
    FollowUp {
        id: FollowUpId(uuid_at(rng, millis)),
        child_id: child.id,
        visited_on: date,
        visited_by: visitor.to_string(),
        outcome,
        notes: rng
            .chance(0.12)
            .then(|| rng.pick(names::VISIT_NOTES).to_string()),
        deleted: false,
    }
}

/// What a visit finds, given the child and the visit before.
fn next_outcome(rng: &mut Rng, child: &Child, previous: Option<OutcomeKind>) -> OutcomeKind {
    let has = |reason| child.reasons_out_of_school.contains(&reason);
    let mut enrolled: u32 = if child.sex == ChildSex::Boy { 40 } else { 24 };
    let mut pending =
        if has(ReasonOutOfSchool::NoGirlsSchool) || has(ReasonOutOfSchool::NoBirthRegistration) {
            32
        } else {
            22
        };
    let mut refused = 10;
    let working = if has(ReasonOutOfSchool::ChildWorks) {
        25
    } else {
        4
    };
    let mut not_found = 8;
    let moved = if has(ReasonOutOfSchool::Migration) {
        12
    } else {
        2
    };
    if child.willing_to_enrol == Some(false) {
        enrolled /= 2;
        refused *= 3;
    }
    match previous {
        Some(OutcomeKind::AdmissionPending) => {
            enrolled *= 2;
            pending /= 2;
        }
        Some(OutcomeKind::Refused) => {
            enrolled /= 2;
            refused *= 2;
        }
        Some(OutcomeKind::NotFound) => not_found /= 2,
        _ => {}
    }
    rng.weighted(&[
        (OutcomeKind::Enrolled, enrolled),
        (OutcomeKind::AdmissionPending, pending),
        (OutcomeKind::Refused, refused),
        (OutcomeKind::ChildWorking, working),
        (OutcomeKind::NotFound, not_found),
        (OutcomeKind::MovedAway, moved),
    ])
}

/// Enrolled in the school the parents preferred, or the nearest government school for the
/// child's sex and class; admitted on the visit or a few days before it.
fn enrolment(rng: &mut Rng, survey: &HouseholdSurvey, child: &Child, date: NaiveDate) -> Outcome {
    let surveyed_on = survey.household.surveyed_on;
    let age = child.age_on(surveyed_on).unwrap_or(8);
    let class = class_to_join(&child.schooling, age);
    let school = match &child.preferred_school {
        Some(preferred) if rng.chance(0.85) => preferred.clone(),
        _ => {
            let place =
                village_of_schools(survey).unwrap_or_else(|| format!("No. {}", rng.between(1, 3)));
            SchoolRef {
                id: None,
                name: government_school(child.sex, &child.reasons_out_of_school, class, &place),
            }
        }
    };
    let admitted_on = rng
        .chance(0.4)
        .then(|| (date - Days::new(rng.below(6))).max(surveyed_on));
    Outcome::Enrolled {
        school: Some(school),
        class: Some(class),
        admitted_on,
    }
}

/// The place in the names of the government schools the household's children go to or
/// would go to ("GGPS Basti Malik" → "Basti Malik").
fn village_of_schools(survey: &HouseholdSurvey) -> Option<String> {
    const PREFIXES: [&str; 8] = ["GPS", "GGPS", "GMS", "GGMS", "GHS", "GGHS", "GHSS", "GGHSS"];
    survey
        .children
        .iter()
        .flat_map(|c| {
            let attended = match &c.schooling {
                Schooling::Enrolled { school, .. } => school.as_ref(),
                _ => None,
            };
            attended.into_iter().chain(c.preferred_school.as_ref())
        })
        .find_map(|school| {
            let (prefix, place) = school.name.split_once(' ')?;
            PREFIXES.contains(&prefix).then(|| place.to_string())
        })
}

/// The checks at 1, 3 and 6 months after admission whose dates have come, most of them made
/// (a few days late at times); a child who has dropped out again is not checked further.
fn retention_checks(
    rng: &mut Rng,
    child: &Child,
    visitor: &str,
    admitted_on: NaiveDate,
    today: NaiveDate,
    out: &mut Vec<FollowUp>,
) {
    for &milestone in RetentionMilestone::ALL {
        let on = admitted_on + Months::new(milestone.months()) + Days::new(rng.below(10));
        if on > today {
            return;
        }
        if !rng.chance(0.75) {
            continue;
        }
        let dropped_out = rng.chance(0.08);
        let attending_regularly = !dropped_out && rng.chance(0.82);
        let days = match (dropped_out, attending_regularly) {
            (true, _) => 0,
            (false, true) => rng.between(4, 6),
            (false, false) => rng.between(1, 3),
        } as u8;
        let dropout_reasons = if dropped_out {
            dropout_reasons(rng, child.sex)
        } else {
            Vec::new()
        };
        let outcome = Outcome::RetentionCheck {
            milestone,
            attending_regularly,
            days_attended_last_week: rng.chance(0.9).then_some(days),
            dropped_out,
            dropout_reasons,
        };
        out.push(visit(rng, child, visitor, on, outcome));
        if dropped_out {
            return;
        }
    }
}

fn dropout_reasons(rng: &mut Rng, sex: ChildSex) -> Vec<ReasonOutOfSchool> {
    use ReasonOutOfSchool::*;
    let work = if sex == ChildSex::Boy {
        ChildWorks
    } else {
        HouseholdChores
    };
    let first = rng.weighted(&[
        (Cost, 30),
        (work, 25),
        (PoorTeaching, 15),
        (SchoolTooFar, 10),
        (Migration, 10),
        (Illness, 10),
    ]);
    let mut reasons = vec![first];
    if rng.chance(0.3) {
        let second = rng.weighted(&[(Cost, 1), (NoValueSeen, 1), (work, 1)]);
        if second != first {
            reasons.push(second);
        }
    }
    reasons
}

/// A child's visits when the story's end is fixed (the reference campaign's exact figures):
/// enrolled on a visit (perhaps after one finding the admission pending), with the retention
/// checks whose dates have come; or one or two visits that do not enrol the child.
pub(crate) fn fixed_follow_ups(
    survey: &HouseholdSurvey,
    child: &Child,
    enrol: bool,
    options: &DemoOptions,
    out: &mut Vec<FollowUp>,
) {
    let mut rng = Rng::keyed(
        options.seed,
        format!("campaign visits {}", child.id).as_bytes(),
    );
    let rng = &mut rng;
    let surveyed_on = survey.household.surveyed_on;
    let visitor = &survey.household.surveyed_by;
    let first = (surveyed_on + Days::new(rng.between(2, 14) as u64)).min(options.today);
    let second = (first + Days::new(rng.between(7, 21) as u64)).min(options.today);
    if enrol {
        let date = if second > first && rng.chance(0.3) {
            let why = rng.pick(names::PENDING_WHY).to_string();
            out.push(visit(
                rng,
                child,
                visitor,
                first,
                Outcome::AdmissionPending { why },
            ));
            second
        } else {
            first
        };
        let outcome = enrolment(rng, survey, child, date);
        let admitted_on = match &outcome {
            Outcome::Enrolled { admitted_on, .. } => admitted_on.unwrap_or(date),
            _ => date,
        };
        out.push(visit(rng, child, visitor, date, outcome));
        retention_checks(rng, child, visitor, admitted_on, options.today, out);
        return;
    }
    let visits = rng.weighted(&[(0, 30), (1, 45), (2, 25)]);
    for date in [first, second].into_iter().take(visits) {
        let outcome = match rng.below(4) {
            0 => Outcome::AdmissionPending {
                why: rng.pick(names::PENDING_WHY).to_string(),
            },
            1 => Outcome::Refused { why: None },
            2 => Outcome::ChildWorking,
            _ => Outcome::NotFound,
        };
        out.push(visit(rng, child, visitor, date, outcome));
        if second == first {
            return;
        }
    }
}
