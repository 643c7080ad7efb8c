//! The household survey as the wizard fills it in, saved through the store whole, and the
//! households as lists and pages show them.

use crate::error::{AppError, FieldError};
use crate::places::PlaceChoice;
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
    /// A stored child's id when a saved survey is edited; none for a child added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub id: Option<String>,
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
        let (survey, mut missing) = self.to_survey_with_placeholders(today);
        if missing.is_empty() {
            return Ok(survey);
        }
        // Every broken rule at once: the missing answers and the rules the rest breaks.
        let ctx = daakhla_domain::Context { today };
        if let Err(more) = daakhla_domain::Validate::validate(&survey, &ctx) {
            missing.extend(more.0);
        }
        // In the order the form asks: the household, then each child.
        missing.sort_by_key(|v| form_order(&v.field.to_string()));
        Err(Violations(missing))
    }

    /// The survey with a placeholder for each answer the domain's types cannot hold empty,
    /// and those missing answers: so the rest of a half-filled form can be checked too.
    fn to_survey_with_placeholders(&self, today: NaiveDate) -> (HouseholdSurvey, Vec<Violation>) {
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
        (survey, missing)
    }
}

/// Where a field comes in the wizard: the household's first, then each child's in turn.
fn form_order(path: &str) -> (u8, usize) {
    match path.strip_prefix("children[") {
        Some(rest) => (
            1,
            rest.split(']')
                .next()
                .and_then(|i| i.parse().ok())
                .unwrap_or(0),
        ),
        None => (0, 0),
    }
}

/// A saved survey as the wizard edits it: the form filled in from the stored records.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct EditableSurvey {
    #[ts(type = "string")]
    pub household_id: HouseholdId,
    #[ts(type = "string")]
    pub surveyed_on: NaiveDate,
    pub input: SurveyInput,
}

/// An edit of a saved survey: the wizard's form as the user left it. A stored child left
/// out of `survey.children` is deleted (a tombstone that syncs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct EditSurveyRequest {
    pub household_id: String,
    pub survey: SurveyInput,
}

impl SurveyInput {
    /// A stored survey as the wizard's form holds it.
    pub fn of_survey(survey: &HouseholdSurvey) -> SurveyInput {
        let h = &survey.household;
        SurveyInput {
            household: HouseholdInput {
                uc_code: h.uc_code.clone(),
                village_code: h.village_code.clone(),
                household_number: h.household_number.clone(),
                landmark: h.landmark.clone(),
                consent: h.consent,
                gps: h.gps.map(|g| GpsInput {
                    latitude: g.latitude,
                    longitude: g.longitude,
                    accuracy_m: g.accuracy_m,
                }),
                respondent_name: h.respondent_name.clone(),
                respondent_relation: h.respondent_relation,
                respondent_phone: h.respondent_phone.clone(),
                head_name: h.head_name.clone(),
                head_sex: h.head_sex,
                mother_schooling: h.mother_schooling,
                father_schooling: h.father_schooling,
                house_type: h.house_type,
                members: h.members,
                surveyed_by: h.surveyed_by.clone(),
            },
            children: survey
                .children
                .iter()
                .filter(|c| !c.deleted)
                .map(|c| {
                    let (school_name, class, last_class_passed, year_left) = match &c.schooling {
                        Schooling::Enrolled { school, class } => (
                            school.as_ref().map(|s| s.name.clone()),
                            class.map(|c| c.0),
                            None,
                            None,
                        ),
                        Schooling::DroppedOut {
                            last_class_passed,
                            year_left,
                        } => (None, None, last_class_passed.map(|c| c.0), *year_left),
                        Schooling::NeverEnrolled => (None, None, None, None),
                    };
                    ChildInput {
                        id: Some(c.id.to_string()),
                        name: c.name.clone(),
                        sex: Some(c.sex),
                        age_years: c.age_on(h.surveyed_on).and_then(|a| u8::try_from(a).ok()),
                        relation_to_head: c.relation_to_head,
                        father_name: c.father_name.clone(),
                        schooling: Some(c.schooling.status()),
                        school_name,
                        class,
                        last_class_passed,
                        year_left,
                        reasons_out_of_school: c.reasons_out_of_school.clone(),
                        other_reason: c.other_reason.clone(),
                        willing_to_enrol: c.willing_to_enrol,
                    }
                })
                .collect(),
        }
    }

    /// The stored survey with this form's answers: the same household and children (by
    /// id), its survey date and union council kept (a record's union council is fixed by
    /// its first change), what the form does not show (a date of birth, the functioning
    /// answers, a preferred school, a school's id) kept as stored, children added given new
    /// ids, and stored children the form no longer lists deleted.
    pub fn edit_of(&self, stored: &HouseholdSurvey) -> Result<HouseholdSurvey, Violations> {
        let at = stored.household.surveyed_on;
        let mut edited = self.to_survey(at)?;
        let old = &stored.household;
        let h = &mut edited.household;
        h.id = old.id;
        h.uc_code = old.uc_code.clone();
        h.surveyed_on = old.surveyed_on;
        h.deleted = old.deleted;
        h.merged_into = old.merged_into;
        let mut kept = Vec::new();
        for (child, input) in edited.children.iter_mut().zip(&self.children) {
            child.household_id = old.id;
            let Some(before) = input
                .id
                .as_deref()
                .and_then(|id| id.parse::<ChildId>().ok())
                .and_then(|id| stored.children.iter().find(|c| c.id == id && !c.deleted))
            else {
                continue;
            };
            child.id = before.id;
            kept.push(before.id);
            child.functioning = before.functioning.clone();
            child.preferred_school = before.preferred_school.clone();
            if before.date_of_birth.is_some() && before.age_on(at) == child.age_years.map(i64::from)
            {
                child.date_of_birth = before.date_of_birth;
                child.age_years = before.age_years;
            }
            if let (
                Schooling::Enrolled {
                    school: Some(now), ..
                },
                Schooling::Enrolled {
                    school: Some(was), ..
                },
            ) = (&mut child.schooling, &before.schooling)
                && now.name == was.name
            {
                now.id = was.id;
            }
        }
        for before in &stored.children {
            if !before.deleted && !kept.contains(&before.id) {
                edited.children.push(Child {
                    deleted: true,
                    ..before.clone()
                });
            }
        }
        Ok(edited)
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

/// A step of the survey wizard, checked as it is left: the form so far, and the fields the
/// step shows (paths in `SurveyInput`, such as `household.household_number` or
/// `children[0].age_years`; a path stands for everything under it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StepCheck {
    pub survey: SurveyInput,
    pub fields: Vec<String>,
    /// The saved household the form edits; none for a new survey.
    #[serde(default)]
    pub household_id: Option<String>,
}

/// Whether `path` is `field` or lies under it.
fn within(path: &str, field: &str) -> bool {
    path.strip_prefix(field)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

impl App {
    /// The rules a half-filled survey breaks in the fields of one step: the domain's and the
    /// store's, with the sentences saving would give, so the wizard never states a rule of
    /// its own. Rules about fields of later steps wait for those steps.
    pub fn check_survey_step(&self, check: StepCheck) -> Result<Vec<FieldError>, AppError> {
        let today = self.today();
        let store = self.store();
        let mut found = Vec::new();
        let mut errors = Vec::new();
        // An edit is checked as saving it checks it: against the household as stored.
        let checked = match &check.household_id {
            Some(id) => {
                let stored = store.survey(crate::parse_id(id)?)?;
                match check.survey.edit_of(&stored) {
                    Ok(edited) => {
                        store.check_replaced_surveys(std::slice::from_ref(&edited), &self.context())
                    }
                    Err(violations) => {
                        found.extend(violations.0);
                        Ok(())
                    }
                }
            }
            None => {
                let (survey, placeholders) = check.survey.to_survey_with_placeholders(today);
                found.extend(placeholders);
                errors = outside_enrolment(&store, &check.survey)?;
                store.check_new_surveys(std::slice::from_ref(&survey), &self.context())
            }
        };
        match checked {
            Ok(()) => {}
            Err(daakhla_store::StoreError::Invalid(v)) => found.extend(v.0),
            Err(e) => return Err(e.into()),
        }
        errors.extend(AppError::invalid(&Violations(found), &survey_input_path).fields);
        Ok(errors
            .into_iter()
            .filter(|e| check.fields.iter().any(|f| within(&e.path, f)))
            .collect())
    }

    /// The union councils a survey may be saved in: those this phone is enrolled for, or,
    /// before enrolment, every one the store knows.
    pub fn survey_union_councils(&self, _: crate::NoInput) -> Result<Vec<PlaceChoice>, AppError> {
        let enrolled = crate::outbox::enrolled_union_councils(&self.store())?;
        match enrolled {
            Some(ucs) if !ucs.is_empty() => Ok(ucs),
            _ => self.places(crate::PlacesRequest::default()),
        }
    }

    pub fn save_survey(&self, input: SurveyInput) -> Result<HouseholdPage, AppError> {
        let outside = outside_enrolment(&self.store(), &input)?;
        if !outside.is_empty() {
            return Err(AppError::invalid_fields(outside));
        }
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

    /// A saved survey as the wizard's form, to edit.
    pub fn survey_for_edit(&self, request: crate::IdRequest) -> Result<EditableSurvey, AppError> {
        let id: HouseholdId = crate::parse_id(&request.id)?;
        let survey = self.store().survey(id)?;
        Ok(EditableSurvey {
            household_id: id,
            surveyed_on: survey.household.surveyed_on,
            input: SurveyInput::of_survey(&survey),
        })
    }

    /// Saves an edit of a saved survey: the store writes only the fields that changed, as
    /// changes that sync like any other, and a child removed from the roster as a tombstone.
    pub fn edit_survey(&self, request: EditSurveyRequest) -> Result<HouseholdPage, AppError> {
        let id: HouseholdId = crate::parse_id(&request.household_id)?;
        let mut store = self.store();
        let stored = store.survey(id)?;
        let edited = request
            .survey
            .edit_of(&stored)
            .map_err(|v| AppError::invalid(&v, &survey_input_path))?;
        store
            .replace_surveys(std::slice::from_ref(&edited), &self.context(), &mut |_| {})
            .map_err(|e| match e {
                daakhla_store::StoreError::Invalid(v) => AppError::invalid(&v, &survey_input_path),
                e => e.into(),
            })?;
        drop(store);
        self.household(crate::IdRequest { id: id.to_string() })
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

/// A survey in a union council this phone is not enrolled for would never reach the server:
/// it is refused before it is saved, naming the union councils the phone may survey in.
fn outside_enrolment(
    store: &daakhla_store::Store,
    input: &SurveyInput,
) -> Result<Vec<FieldError>, AppError> {
    let uc = input.household.uc_code.trim();
    let Some(enrolled) = crate::outbox::enrolled_union_councils(store)? else {
        return Ok(Vec::new());
    };
    if uc.is_empty() || enrolled.is_empty() || enrolled.iter().any(|p| p.code == uc) {
        return Ok(Vec::new());
    }
    let list = |name: fn(&PlaceChoice) -> &str, comma| {
        enrolled.iter().map(name).collect::<Vec<_>>().join(comma)
    };
    Ok(vec![FieldError {
        path: "household.uc_code".into(),
        rule: "outside_enrolment".into(),
        en: format!(
            "this phone is enrolled for {}: a household saved elsewhere could not be sent",
            list(|p| &p.en, ", ")
        ),
        ur: format!(
            "یہ فون {} کے لیے رجسٹر ہے: کہیں اور محفوظ کیا گیا گھرانہ بھیجا نہیں جا سکے گا",
            list(|p| &p.ur, "، ")
        ),
        field_en: "Household › Union council".into(),
        field_ur: "گھرانہ › یونین کونسل".into(),
    }])
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
