//! The household survey: one visit to one household, and its roster of children aged 5–16.

use crate::child::Child;
use crate::codes::{AdultSex, HouseType, ParentSchooling, RespondentRelation};
use crate::ids::HouseholdId;
use crate::validation::{Checker, FieldPath, Rule, Validate};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A GPS fix as the phone reported it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GpsFix {
    pub latitude: f64,
    pub longitude: f64,
    /// The phone's estimate of the error, in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
}

/// The household part of a survey. Everything but where, who surveyed and when is personal
/// data, which may be stored only with the household's consent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Household {
    #[serde(default = "HouseholdId::new")]
    pub id: HouseholdId,
    #[serde(default)]
    pub uc_code: String,
    #[serde(default)]
    pub village_code: String,
    /// Unique within the village; often chalked on the door.
    #[serde(default)]
    pub household_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landmark: Option<String>,
    pub consent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps: Option<GpsFix>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respondent_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respondent_relation: Option<RespondentRelation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respondent_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_sex: Option<AdultSex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mother_schooling: Option<ParentSchooling>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub father_schooling: Option<ParentSchooling>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub house_type: Option<HouseType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<u16>,
    #[serde(default)]
    pub surveyed_by: String,
    pub surveyed_on: NaiveDate,
    /// Deleted: kept as a tombstone that syncs, so the household cannot come back.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// Found to be the same household as another: shown as that one, its children with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<HouseholdId>,
}

impl Household {
    /// The personal fields that are filled in, by field name.
    fn personal_data_given(&self) -> Vec<&'static str> {
        [
            ("gps", self.gps.is_some()),
            ("respondent_name", self.respondent_name.is_some()),
            ("respondent_relation", self.respondent_relation.is_some()),
            ("respondent_phone", self.respondent_phone.is_some()),
            ("head_name", self.head_name.is_some()),
            ("head_sex", self.head_sex.is_some()),
            ("mother_schooling", self.mother_schooling.is_some()),
            ("father_schooling", self.father_schooling.is_some()),
            ("house_type", self.house_type.is_some()),
            ("members", self.members.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, given)| given.then_some(field))
        .collect()
    }
}

impl Validate for Household {
    fn check(&self, at: &FieldPath, c: &mut Checker) {
        if self.merged_into == Some(self.id) {
            c.push(at.key("merged_into"), Rule::WrongHousehold);
        }
        c.required_text(at.key("uc_code"), &self.uc_code);
        c.required_text(at.key("village_code"), &self.village_code);
        c.required_text(at.key("household_number"), &self.household_number);
        c.required_text(at.key("surveyed_by"), &self.surveyed_by);
        c.not_in_future(at.key("surveyed_on"), self.surveyed_on);
        c.optional_text(
            at.key("landmark"),
            self.landmark.as_deref(),
            crate::validation::MAX_TEXT,
        );
        if !self.consent {
            for field in self.personal_data_given() {
                c.push(at.key(field), Rule::PersonalDataWithoutConsent);
            }
            return;
        }
        match &self.head_name {
            Some(name) => c.required_text(at.key("head_name"), name),
            None => c.push(at.key("head_name"), Rule::Required),
        }
        if let Some(name) = &self.respondent_name {
            c.required_text(at.key("respondent_name"), name);
        }
        c.phone(at.key("respondent_phone"), self.respondent_phone.as_deref());
        if let Some(members) = self.members {
            c.in_range(at.key("members"), members.into(), 1, 99);
        }
        if let Some(gps) = &self.gps {
            let gps_at = at.key("gps");
            // Pakistan lies within 23–38° N and 60–78° E; allow a margin for border villages.
            c.in_range(gps_at.key("latitude"), gps.latitude.round() as i64, 20, 40);
            c.in_range(
                gps_at.key("longitude"),
                gps.longitude.round() as i64,
                58,
                80,
            );
            if let Some(accuracy) = gps.accuracy_m {
                c.in_range(gps_at.key("accuracy_m"), accuracy.round() as i64, 0, 10_000);
            }
        }
    }
}

/// One household and its roster: the unit a survey saves, all or nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdSurvey {
    pub household: Household,
    #[serde(default)]
    pub children: Vec<Child>,
}

impl HouseholdSurvey {
    /// Links every child without a household to this one. Input files may leave the link out.
    pub fn link_children(&mut self) {
        for child in &mut self.children {
            if child.household_id.is_unset() {
                child.household_id = self.household.id;
            }
        }
    }
}

impl Validate for HouseholdSurvey {
    fn check(&self, at: &FieldPath, c: &mut Checker) {
        let household_at = at.key("household");
        self.household.check(&household_at, c);
        let children_at = at.key("children");
        if !self.household.consent && !self.children.is_empty() {
            c.push(children_at.clone(), Rule::PersonalDataWithoutConsent);
            return;
        }
        let ids: Vec<_> = self.children.iter().map(|child| child.id).collect();
        for (i, child) in self.children.iter().enumerate() {
            let child_at = children_at.index(i);
            if ids[..i].contains(&child.id) {
                c.push(child_at.key("id"), Rule::ListedTwice);
            }
            if child.household_id != self.household.id {
                c.push(child_at.key("household_id"), Rule::WrongHousehold);
            }
            child.check_on_roster(self.household.surveyed_on, &child_at, c);
        }
    }
}
