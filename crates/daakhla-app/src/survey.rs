//! The household survey as the wizard fills it in, saved through the store whole, and the
//! households as lists and pages show them.

use crate::error::AppError;
use crate::{App, SyncState};
use chrono::NaiveDate;
use daakhla_domain::child::{Child, Class, SchoolRef, Schooling};
use daakhla_domain::codes::{
    AdultSex, ChildSex, HouseType, ParentSchooling, ReasonOutOfSchool, RelationToHead,
    RespondentRelation, SchoolingStatus,
};
use daakhla_domain::household::{GpsFix, Household, HouseholdSurvey};
use daakhla_domain::ids::{ChildId, HouseholdId};
use daakhla_domain::lifecycle::Stage;
use daakhla_domain::validation::{FieldPath, Rule, Violation, Violations};
use daakhla_store::HouseholdSummary;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A household survey as the wizard sends it. Codes are the domain's; the survey date is the
/// device's today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SurveyInput {
    pub household: HouseholdInput,
    pub children: Vec<ChildInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HouseholdInput {
    pub uc_code: String,
    pub village_code: String,
    pub household_number: String,
    pub landmark: Option<String>,
    pub consent: bool,
    pub gps: Option<GpsInput>,
    pub respondent_name: Option<String>,
    #[ts(type = "RespondentRelation | null")]
    pub respondent_relation: Option<RespondentRelation>,
    pub respondent_phone: Option<String>,
    pub head_name: Option<String>,
    #[ts(type = "AdultSex | null")]
    pub head_sex: Option<AdultSex>,
    #[ts(type = "ParentSchooling | null")]
    pub mother_schooling: Option<ParentSchooling>,
    #[ts(type = "ParentSchooling | null")]
    pub father_schooling: Option<ParentSchooling>,
    #[ts(type = "HouseType | null")]
    pub house_type: Option<HouseType>,
    pub members: Option<u16>,
    pub surveyed_by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct GpsInput {
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_m: Option<f64>,
}

/// One child of the roster, with the schooling fields flat as the form shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ChildInput {
    pub name: String,
    #[ts(type = "ChildSex | null")]
    pub sex: Option<ChildSex>,
    pub age_years: Option<u8>,
    #[ts(type = "RelationToHead | null")]
    pub relation_to_head: Option<RelationToHead>,
    pub father_name: Option<String>,
    #[ts(type = "SchoolingStatus | null")]
    pub schooling: Option<SchoolingStatus>,
    /// When enrolled: the school and class.
    pub school_name: Option<String>,
    pub class: Option<u8>,
    /// When dropped out.
    pub last_class_passed: Option<u8>,
    pub year_left: Option<i32>,
    #[ts(type = "Array<ReasonOutOfSchool>")]
    pub reasons_out_of_school: Vec<ReasonOutOfSchool>,
    pub other_reason: Option<String>,
    pub willing_to_enrol: Option<bool>,
}

/// What a saved survey holds, for the wizard's last page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct HouseholdPage {
    #[ts(type = "string")]
    pub id: HouseholdId,
    pub uc_code: String,
    pub village_code: String,
    pub household_number: String,
    pub head_name: Option<String>,
    #[ts(type = "string")]
    pub surveyed_on: NaiveDate,
    pub surveyed_by: String,
    pub gps: Option<GpsInput>,
    pub sync_state: SyncState,
    pub children: Vec<ChildRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ChildRow {
    #[ts(type = "string")]
    pub id: ChildId,
    pub name: String,
    #[ts(type = "ChildSex")]
    pub sex: ChildSex,
    pub age_years: Option<u8>,
    #[ts(type = "Stage")]
    pub stage: Stage,
    pub sync_state: SyncState,
}

/// A household in a list, with where its records stand in sync.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct HouseholdRow {
    #[serde(flatten)]
    #[ts(flatten)]
    pub household: HouseholdSummary,
    pub sync_state: SyncState,
}

impl SurveyInput {
    /// The survey as the domain records it. When the form left out what the domain's types
    /// cannot hold empty (a child's sex or schooling), every rule the survey breaks.
    pub fn to_survey(&self, today: NaiveDate) -> Result<HouseholdSurvey, Violations> {
        let h = &self.household;
        let id = HouseholdId::new();
        let household = Household {
            id,
            uc_code: h.uc_code.trim().into(),
            village_code: h.village_code.trim().into(),
            household_number: h.household_number.trim().into(),
            landmark: given(&h.landmark),
            consent: h.consent,
            gps: h.gps.map(|g| GpsFix {
                latitude: g.latitude,
                longitude: g.longitude,
                accuracy_m: g.accuracy_m,
            }),
            respondent_name: given(&h.respondent_name),
            respondent_relation: h.respondent_relation,
            respondent_phone: given(&h.respondent_phone),
            head_name: given(&h.head_name),
            head_sex: h.head_sex,
            mother_schooling: h.mother_schooling,
            father_schooling: h.father_schooling,
            house_type: h.house_type,
            members: h.members,
            surveyed_by: h.surveyed_by.trim().into(),
            surveyed_on: today,
            deleted: false,
            merged_into: None,
        };
        let mut missing = Vec::new();
        let mut children = Vec::with_capacity(self.children.len());
        for (i, c) in self.children.iter().enumerate() {
            let at = FieldPath::root().key("children").index(i);
            if c.sex.is_none() {
                missing.push(Violation::new(at.key("sex"), Rule::Required));
            }
            if c.schooling.is_none() {
                missing.push(Violation::new(at.key("schooling"), Rule::Required));
            }
            // A placeholder for what is missing lets the child's other rules be checked too.
            let sex = c.sex.unwrap_or(ChildSex::Girl);
            let status = c.schooling.unwrap_or(SchoolingStatus::NeverEnrolled);
            let schooling = match status {
                SchoolingStatus::Enrolled => Schooling::Enrolled {
                    school: given(&c.school_name).map(|name| SchoolRef { id: None, name }),
                    class: c.class.map(Class),
                },
                SchoolingStatus::DroppedOut => Schooling::DroppedOut {
                    last_class_passed: c.last_class_passed.map(Class),
                    year_left: c.year_left,
                },
                SchoolingStatus::NeverEnrolled => Schooling::NeverEnrolled,
            };
            let out_of_school = schooling.is_out_of_school();
            children.push(Child {
                id: ChildId::new(),
                household_id: id,
                name: c.name.trim().into(),
                sex,
                date_of_birth: None,
                age_years: c.age_years,
                relation_to_head: c.relation_to_head,
                father_name: given(&c.father_name),
                functioning: Default::default(),
                schooling,
                // Reasons picked before the status was changed to enrolled are not the
                // child's: the form keeps them only while the child is out of school.
                reasons_out_of_school: if out_of_school {
                    c.reasons_out_of_school.clone()
                } else {
                    Vec::new()
                },
                other_reason: given(&c.other_reason).filter(|_| out_of_school),
                willing_to_enrol: c.willing_to_enrol.filter(|_| out_of_school),
                preferred_school: None,
                deleted: false,
            });
        }
        let survey = HouseholdSurvey {
            household,
            children,
        };
        if missing.is_empty() {
            return Ok(survey);
        }
        // Every broken rule at once: the missing answers and the rules the rest breaks.
        let ctx = daakhla_domain::Context { today };
        if let Err(more) = daakhla_domain::Validate::validate(&survey, &ctx) {
            missing.extend(more.0);
        }
        Err(Violations(missing))
    }
}

/// Text the user typed, or none if they typed only spaces.
fn given(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Where a domain field of a survey sits in `SurveyInput`: the form keeps a child's schooling
/// flat.
pub fn survey_input_path(domain_path: &str) -> String {
    domain_path
        .replace(".schooling.school.name", ".school_name")
        .replace(".schooling.school", ".school_name")
        .replace(".schooling.class", ".class")
        .replace(".schooling.last_class_passed", ".last_class_passed")
        .replace(".schooling.year_left", ".year_left")
        .replace(".date_of_birth", ".age_years")
}

impl App {
    pub fn save_survey(&self, input: SurveyInput) -> Result<HouseholdPage, AppError> {
        let survey = input
            .to_survey(self.today())
            .map_err(|v| AppError::invalid(&v, &survey_input_path))?;
        let mut store = self.store();
        store
            .add_surveys(std::slice::from_ref(&survey), &self.context(), &mut |_| {})
            .map_err(|e| match e {
                daakhla_store::StoreError::Invalid(v) => AppError::invalid(&v, &survey_input_path),
                e => e.into(),
            })?;
        drop(store);
        self.household(crate::IdRequest {
            id: survey.household.id.to_string(),
        })
    }

    pub fn household(&self, request: crate::IdRequest) -> Result<HouseholdPage, AppError> {
        let id: HouseholdId = crate::parse_id(&request.id)?;
        let store = self.store();
        let survey = store.survey(id)?;
        let states = self.sync_states(&store)?;
        household_page(&store, &states, survey)
    }

    pub fn households(&self, request: HouseholdsRequest) -> Result<Vec<HouseholdRow>, AppError> {
        let store = self.store();
        let states = self.sync_states(&store)?;
        let rows = store.households(request.village_code.as_deref(), request.uc_code.as_deref())?;
        Ok(rows
            .into_iter()
            .map(|household| HouseholdRow {
                sync_state: states.of(&household.id.to_string()),
                household,
            })
            .collect())
    }
}

/// A stored survey as the household page shows it.
pub(crate) fn household_page(
    store: &daakhla_store::Store,
    states: &crate::SyncStates,
    survey: HouseholdSurvey,
) -> Result<HouseholdPage, AppError> {
    let children = survey
        .children
        .iter()
        .filter(|c| !c.deleted)
        .map(|c| {
            Ok(ChildRow {
                id: c.id,
                name: c.name.clone(),
                sex: c.sex,
                age_years: c
                    .age_on(survey.household.surveyed_on)
                    .and_then(|a| u8::try_from(a).ok()),
                stage: store.child_story(c.id)?.lifecycle.stage,
                sync_state: states.of(&c.id.to_string()),
            })
        })
        .collect::<Result<_, AppError>>()?;
    let h = survey.household;
    Ok(HouseholdPage {
        id: h.id,
        sync_state: states.of(&h.id.to_string()),
        uc_code: h.uc_code,
        village_code: h.village_code,
        household_number: h.household_number,
        head_name: h.head_name,
        surveyed_on: h.surveyed_on,
        surveyed_by: h.surveyed_by,
        gps: h.gps.map(|g| GpsInput {
            latitude: g.latitude,
            longitude: g.longitude,
            accuracy_m: g.accuracy_m,
        }),
        children,
    })
}

/// Which households to list: a village, a union council, or every one on the device.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct HouseholdsRequest {
    pub uc_code: Option<String>,
    pub village_code: Option<String>,
}
