//! A child on a household's roster: who they are, how they function, and where they stand
//! with school.

use crate::Lang;
use crate::codes::{
    ChildSex, FunctioningAnswer, FunctioningDomain, ReasonOutOfSchool, RelationToHead,
    SchoolingStatus,
};
use crate::ids::{ChildId, HouseholdId, SchoolId};
use crate::validation::{Checker, FieldPath, MAX_TEXT, Rule};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The roster holds children of these ages, in whole years at the survey date.
pub const ROSTER_AGES: std::ops::RangeInclusive<i64> = 5..=16;

/// A school class: 0 is katchi (pre-primary), then 1 to 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Class(pub u8);

impl Class {
    pub const HIGHEST: u8 = 12;

    pub fn label(self, lang: Lang) -> String {
        match (self.0, lang) {
            (0, Lang::En) => "Katchi".into(),
            (0, Lang::Ur) => "کچی".into(),
            (n, Lang::En) => format!("Class {n}"),
            (n, Lang::Ur) => format!("جماعت {n}"),
        }
    }

    fn check(self, at: FieldPath, c: &mut Checker) {
        c.in_range(at, self.0.into(), 0, Self::HIGHEST.into());
    }
}

/// A school as a form names it: by the name people use, linked to a school record when the
/// device knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<SchoolId>,
    #[serde(default)]
    pub name: String,
}

impl SchoolRef {
    pub(crate) fn check(&self, at: &FieldPath, c: &mut Checker) {
        if self.id.is_none() {
            c.required_text(at.key("name"), &self.name);
        } else {
            c.optional_text(at.key("name"), Some(&self.name), MAX_TEXT);
        }
    }
}

/// Where a child stands with school on the day of the survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum Schooling {
    Enrolled {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        school: Option<SchoolRef>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        class: Option<Class>,
    },
    DroppedOut {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_class_passed: Option<Class>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        year_left: Option<i32>,
    },
    NeverEnrolled,
}

impl Schooling {
    pub fn status(&self) -> SchoolingStatus {
        match self {
            Schooling::Enrolled { .. } => SchoolingStatus::Enrolled,
            Schooling::DroppedOut { .. } => SchoolingStatus::DroppedOut,
            Schooling::NeverEnrolled => SchoolingStatus::NeverEnrolled,
        }
    }

    pub fn is_out_of_school(&self) -> bool {
        !matches!(self, Schooling::Enrolled { .. })
    }
}

/// One child on the roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Child {
    #[serde(default = "ChildId::new")]
    pub id: ChildId,
    /// May be left out of an input file: the survey the child comes in links it.
    #[serde(default)]
    pub household_id: HouseholdId,
    #[serde(default)]
    pub name: String,
    pub sex: ChildSex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    /// Age in whole years at the survey, when the date of birth is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_years: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation_to_head: Option<RelationToHead>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub father_name: Option<String>,
    /// Child Functioning Module answers; a form may ask the short set only.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub functioning: BTreeMap<FunctioningDomain, FunctioningAnswer>,
    pub schooling: Schooling,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons_out_of_school: Vec<ReasonOutOfSchool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub willing_to_enrol: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_school: Option<SchoolRef>,
    /// Deleted (listed by mistake): a tombstone that syncs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// Whole years from `born` to `on`.
pub fn age_in_years(born: NaiveDate, on: NaiveDate) -> i64 {
    let mut years = i64::from(on.year() - born.year());
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    years
}

impl Child {
    /// Age in whole years on a date: from the date of birth when known, else the age given
    /// at the survey.
    pub fn age_on(&self, date: NaiveDate) -> Option<i64> {
        match (self.date_of_birth, self.age_years) {
            (Some(born), _) => Some(age_in_years(born, date)),
            (None, Some(age)) => Some(age.into()),
            (None, None) => None,
        }
    }

    pub fn is_out_of_school(&self) -> bool {
        self.schooling.is_out_of_school()
    }

    /// The reasons out of school as their codes joined by commas, in order: how stores keep
    /// them for reports.
    pub fn reason_codes(&self) -> String {
        let codes: Vec<&str> = self
            .reasons_out_of_school
            .iter()
            .map(|r| crate::codes::Coded::code(*r))
            .collect();
        codes.join(",")
    }

    /// The rules for a child listed on a roster surveyed on `surveyed_on`.
    pub fn check_on_roster(&self, surveyed_on: NaiveDate, at: &FieldPath, c: &mut Checker) {
        c.required_text(at.key("name"), &self.name);
        c.optional_text(at.key("father_name"), self.father_name.as_deref(), MAX_TEXT);

        if let Some(born) = self.date_of_birth
            && born > c.ctx.today
        {
            // A date of birth still to come is one mistake, not also an age of -1.
            c.not_in_future(at.key("date_of_birth"), born);
            return self.check_schooling_and_more(surveyed_on, at, c);
        }
        match self.age_on(surveyed_on) {
            None => c.push(at.key("age_years"), Rule::AgeOrBirthDateRequired),
            Some(age) if !ROSTER_AGES.contains(&age) => {
                let field = if self.date_of_birth.is_some() {
                    "date_of_birth"
                } else {
                    "age_years"
                };
                c.push(at.key(field), Rule::AgeOutsideRoster { age });
            }
            Some(_) => {}
        }
        self.check_schooling_and_more(surveyed_on, at, c);
    }

    /// The roster rules past name and age.
    fn check_schooling_and_more(&self, surveyed_on: NaiveDate, at: &FieldPath, c: &mut Checker) {
        let schooling_at = at.key("schooling");
        match &self.schooling {
            Schooling::Enrolled { school, class } => {
                if let Some(school) = school {
                    school.check(&schooling_at.key("school"), c);
                }
                if let Some(class) = class {
                    class.check(schooling_at.key("class"), c);
                }
            }
            Schooling::DroppedOut {
                last_class_passed,
                year_left,
            } => {
                if let Some(class) = last_class_passed {
                    class.check(schooling_at.key("last_class_passed"), c);
                }
                if let Some(year) = year_left {
                    let earliest = self
                        .date_of_birth
                        .map_or(surveyed_on.year() - 16, |d| d.year());
                    c.in_range(
                        schooling_at.key("year_left"),
                        (*year).into(),
                        earliest.into(),
                        surveyed_on.year().into(),
                    );
                }
            }
            Schooling::NeverEnrolled => {}
        }

        self.check_reasons(at, c);

        for (domain, answer) in &self.functioning {
            if domain.asks_frequency() != answer.is_frequency() {
                c.push(
                    at.key("functioning")
                        .key(crate::codes::Coded::code(*domain)),
                    Rule::AnswerDoesNotFitQuestion,
                );
            }
        }
        if let Some(school) = &self.preferred_school {
            school.check(&at.key("preferred_school"), c);
        }
    }

    fn check_reasons(&self, at: &FieldPath, c: &mut Checker) {
        let reasons_at = at.key("reasons_out_of_school");
        if !self.is_out_of_school() {
            if !self.reasons_out_of_school.is_empty() {
                c.push(reasons_at, Rule::ReasonsOnlyWhenOutOfSchool);
            }
            if self.other_reason.is_some() {
                c.push(at.key("other_reason"), Rule::ReasonsOnlyWhenOutOfSchool);
            }
            return;
        }
        c.no_repeats(&reasons_at, &self.reasons_out_of_school);
        let other_given = self
            .reasons_out_of_school
            .contains(&ReasonOutOfSchool::Other);
        match (&self.other_reason, other_given) {
            (Some(text), true) => c.required_text(at.key("other_reason"), text),
            (None, true) => c.push(at.key("other_reason"), Rule::RequiredWhenOtherReason),
            (Some(_), false) => c.push(at.key("other_reason"), Rule::OnlyWithOtherReason),
            (None, false) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn age_counts_whole_years_only() {
        assert_eq!(age_in_years(date("2016-11-23"), date("2026-11-22")), 9);
        assert_eq!(age_in_years(date("2016-11-22"), date("2026-11-22")), 10);
        assert_eq!(age_in_years(date("2016-02-29"), date("2026-03-01")), 10);
    }

    #[test]
    fn class_labels_read_as_people_say_them() {
        assert_eq!(Class(0).label(Lang::En), "Katchi");
        assert_eq!(Class(3).label(Lang::Ur), "جماعت 3");
    }
}
