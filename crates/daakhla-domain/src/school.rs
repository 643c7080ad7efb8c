//! Schools, as the provincial school census (e.g. Sindh SEMIS) describes them, and the
//! infrastructure needs the LSO presses officials to fix.

use crate::codes::{
    BoundaryWall, BuildingCondition, Electricity, NeedCategory, NeedStatus, SchoolGender,
    SchoolLevel, Severity, WallCondition, WaterSource,
};
use crate::household::GpsFix;
use crate::ids::{NeedId, OfficialId, SchoolId};
use crate::validation::{Checker, FieldPath, MAX_LONG_TEXT, Rule, Validate};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct School {
    #[serde(default = "SchoolId::new")]
    pub id: SchoolId,
    /// The census code (EMIS; SEMIS in Sindh, 9 digits there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emis_code: Option<String>,
    #[serde(default)]
    pub name: String,
    pub level: SchoolLevel,
    pub gender: SchoolGender,
    pub functional: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_reason: Option<String>,
    #[serde(default)]
    pub uc_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps: Option<GpsFix>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teachers: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classrooms: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolment: Option<u32>,
    #[serde(default)]
    pub facilities: Facilities,
}

/// The census's facility items; each unknown until someone looks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facilities {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary_wall: Option<BoundaryWall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_condition: Option<WallCondition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drinking_water: Option<WaterSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electricity: Option<Electricity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toilets_usable: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building_condition: Option<BuildingCondition>,
}

impl Validate for School {
    fn check(&self, at: &FieldPath, c: &mut Checker) {
        c.required_text(at.key("name"), &self.name);
        c.required_text(at.key("uc_code"), &self.uc_code);
        if let Some(code) = &self.emis_code {
            c.required_text(at.key("emis_code"), code);
        }
        match (&self.closed_reason, self.functional) {
            (Some(_), true) => c.push(at.key("closed_reason"), Rule::MustBeEmpty),
            // The census records why a school is closed; officials act on the reason.
            (Some(reason), false) => c.required_text(at.key("closed_reason"), reason),
            (None, false) => c.push(at.key("closed_reason"), Rule::Required),
            (None, true) => {}
        }
        if self.facilities.wall_condition.is_some()
            && self.facilities.boundary_wall == Some(BoundaryWall::None)
        {
            c.push(
                at.key("facilities").key("wall_condition"),
                Rule::MustBeEmpty,
            );
        }
    }
}

/// Something a school needs, and how far the LSO has got in having it fixed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InfrastructureNeed {
    #[serde(default = "NeedId::new")]
    pub id: NeedId,
    pub school_id: SchoolId,
    pub category: NeedCategory,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A photo's content hash; the bytes travel apart from the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
    pub identified_on: NaiveDate,
    #[serde(default)]
    pub reported_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raised_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raised_with: Option<OfficialId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_on: Option<NaiveDate>,
}

impl InfrastructureNeed {
    /// The furthest step reached.
    pub fn status(&self) -> NeedStatus {
        if self.resolved_on.is_some() {
            NeedStatus::Resolved
        } else if self.promised_on.is_some() {
            NeedStatus::Promised
        } else if self.raised_on.is_some() {
            NeedStatus::Raised
        } else {
            NeedStatus::Identified
        }
    }
}

impl Validate for InfrastructureNeed {
    fn check(&self, at: &FieldPath, c: &mut Checker) {
        c.required_text(at.key("reported_by"), &self.reported_by);
        c.optional_text(
            at.key("description"),
            self.description.as_deref(),
            MAX_LONG_TEXT,
        );
        let described = self
            .description
            .as_deref()
            .is_some_and(|d| !d.trim().is_empty());
        if self.category == NeedCategory::Other && !described {
            c.push(at.key("description"), Rule::RequiredWhenOtherReason);
        }
        // Each step happens on or after the one before it.
        let mut previous = ("identified_on", self.identified_on);
        c.not_in_future(at.key("identified_on"), self.identified_on);
        for (field, date) in [
            ("raised_on", self.raised_on),
            ("promised_on", self.promised_on),
            ("resolved_on", self.resolved_on),
        ] {
            let Some(date) = date else { continue };
            c.not_in_future(at.key(field), date);
            c.not_before(at.key(field), date, at.key(previous.0), previous.1);
            previous = (field, date);
        }
    }
}
