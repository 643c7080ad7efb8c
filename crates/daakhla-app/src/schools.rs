//! Schools of a union council and their infrastructure needs: the list with each school's
//! open needs, a school form and a need form. The store validates; a form that breaks a rule
//! saves nothing and names each field.

use crate::error::AppError;
use crate::settings::NAME_KEY;
use crate::setup::ENROLLED_USER_KEY;
use crate::{App, SyncState};
use chrono::NaiveDate;
use daakhla_domain::codes::{NeedCategory, NeedStatus, SchoolGender, SchoolLevel, Severity};
use daakhla_domain::ids::{NeedId, SchoolId};
use daakhla_domain::school::{Facilities, InfrastructureNeed, School};
use daakhla_store::StoreError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SchoolsRequest {
    /// Null for the union council in settings (or all, if none is chosen).
    pub uc_code: Option<String>,
}

/// A school as its form shows it; `id` null for a new one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SchoolInput {
    pub id: Option<String>,
    pub name: String,
    pub emis_code: Option<String>,
    #[ts(type = "SchoolLevel")]
    pub level: SchoolLevel,
    #[ts(type = "SchoolGender")]
    pub gender: SchoolGender,
    pub functional: bool,
    pub closed_reason: Option<String>,
    pub uc_code: String,
    pub village_code: Option<String>,
    pub teachers: Option<u16>,
    pub classrooms: Option<u16>,
    pub enrolment: Option<u32>,
}

/// A need as its form shows it; `id` null for a new one. Dates are YYYY-MM-DD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NeedInput {
    pub id: Option<String>,
    pub school_id: String,
    #[ts(type = "NeedCategory")]
    pub category: NeedCategory,
    #[ts(type = "Severity")]
    pub severity: Severity,
    pub description: Option<String>,
    #[ts(type = "string")]
    pub identified_on: NaiveDate,
    #[ts(type = "string | null")]
    pub raised_on: Option<NaiveDate>,
    #[ts(type = "string | null")]
    pub promised_on: Option<NaiveDate>,
    #[ts(type = "string | null")]
    pub resolved_on: Option<NaiveDate>,
}

/// A school in the list, with all its needs (open ones first) for its page and forms.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SchoolRow {
    pub school: SchoolInput,
    pub needs: Vec<NeedRow>,
    pub open_needs: u32,
    pub sync_state: SyncState,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct NeedRow {
    pub need: NeedInput,
    #[ts(type = "NeedStatus")]
    pub status: NeedStatus,
    pub reported_by: String,
    pub sync_state: SyncState,
}

fn optional_text(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

fn school_input(school: &School) -> SchoolInput {
    SchoolInput {
        id: Some(school.id.to_string()),
        name: school.name.clone(),
        emis_code: school.emis_code.clone(),
        level: school.level,
        gender: school.gender,
        functional: school.functional,
        closed_reason: school.closed_reason.clone(),
        uc_code: school.uc_code.clone(),
        village_code: school.village_code.clone(),
        teachers: school.teachers,
        classrooms: school.classrooms,
        enrolment: school.enrolment,
    }
}

fn need_input(need: &InfrastructureNeed) -> NeedInput {
    NeedInput {
        id: Some(need.id.to_string()),
        school_id: need.school_id.to_string(),
        category: need.category,
        severity: need.severity,
        description: need.description.clone(),
        identified_on: need.identified_on,
        raised_on: need.raised_on,
        promised_on: need.promised_on,
        resolved_on: need.resolved_on,
    }
}

/// The store's field paths are the forms' own, but for a batch's index.
fn form_path(domain_path: &str) -> String {
    domain_path.to_string()
}

fn invalid_or(e: StoreError) -> AppError {
    match e {
        StoreError::Invalid(v) => AppError::invalid(&v, &form_path),
        e => e.into(),
    }
}

impl App {
    pub fn schools(&self, request: SchoolsRequest) -> Result<Vec<SchoolRow>, AppError> {
        let uc = match optional_text(&request.uc_code) {
            Some(uc) => Some(uc),
            None => self.settings(crate::NoInput {})?.uc_code,
        };
        let store = self.store();
        let states = self.sync_states(&store)?;
        let mut needs = store.needs(uc.as_deref())?;
        // Open needs first, the most severe first; resolved ones after.
        needs.sort_by_key(|n| (n.resolved_on.is_some(), std::cmp::Reverse(n.severity)));
        Ok(store
            .schools(uc.as_deref())?
            .iter()
            .map(|school| {
                let needs: Vec<NeedRow> = needs
                    .iter()
                    .filter(|n| n.school_id == school.id)
                    .map(|n| NeedRow {
                        need: need_input(n),
                        status: n.status(),
                        reported_by: n.reported_by.clone(),
                        sync_state: states.of(&n.id.to_string()),
                    })
                    .collect();
                SchoolRow {
                    school: school_input(school),
                    open_needs: needs
                        .iter()
                        .filter(|n| n.status != NeedStatus::Resolved)
                        .count() as u32,
                    needs,
                    sync_state: states.of(&school.id.to_string()),
                }
            })
            .collect())
    }

    pub fn save_school(&self, input: SchoolInput) -> Result<SchoolRow, AppError> {
        let id: SchoolId = match &input.id {
            Some(id) => crate::parse_id(id)?,
            None => SchoolId::new(),
        };
        let mut store = self.store();
        // A census visit rewrites the school; facilities the form does not show are kept.
        let facilities = store
            .school(&id.to_string())?
            .map(|s| s.facilities)
            .unwrap_or_else(Facilities::default);
        let school = School {
            id,
            emis_code: optional_text(&input.emis_code),
            name: input.name.trim().to_string(),
            level: input.level,
            gender: input.gender,
            functional: input.functional,
            closed_reason: if input.functional {
                None
            } else {
                Some(input.closed_reason.unwrap_or_default())
            },
            uc_code: input.uc_code.trim().to_string(),
            village_code: optional_text(&input.village_code),
            gps: None,
            teachers: input.teachers,
            classrooms: input.classrooms,
            enrolment: input.enrolment,
            facilities,
        };
        store
            .save_schools(std::slice::from_ref(&school), &self.context(), &mut |_| {})
            .map_err(invalid_or)?;
        drop(store);
        self.school_row(&school.uc_code, id)
    }

    pub fn save_need(&self, input: NeedInput) -> Result<SchoolRow, AppError> {
        let school_id: SchoolId = crate::parse_id(&input.school_id)?;
        let id: NeedId = match &input.id {
            Some(id) => crate::parse_id(id)?,
            None => NeedId::new(),
        };
        let mut store = self.store();
        // Who reported it: the resource person's name, else the user the device is enrolled as.
        let reported_by = match store.setting(NAME_KEY)?.filter(|n| !n.trim().is_empty()) {
            Some(name) => name,
            None => store.setting(ENROLLED_USER_KEY)?.unwrap_or_default(),
        };
        let need = InfrastructureNeed {
            id,
            school_id,
            category: input.category,
            severity: input.severity,
            description: optional_text(&input.description),
            photo: None,
            identified_on: input.identified_on,
            reported_by,
            raised_on: input.raised_on,
            raised_with: None,
            promised_on: input.promised_on,
            resolved_on: input.resolved_on,
        };
        store
            .save_needs(std::slice::from_ref(&need), &self.context(), &mut |_| {})
            .map_err(invalid_or)?;
        let uc = store
            .school(&school_id.to_string())?
            .map(|s| s.uc_code)
            .unwrap_or_default();
        drop(store);
        self.school_row(&uc, school_id)
    }

    fn school_row(&self, uc_code: &str, id: SchoolId) -> Result<SchoolRow, AppError> {
        self.schools(SchoolsRequest {
            uc_code: Some(uc_code.to_string()),
        })?
        .into_iter()
        .find(|row| row.school.id.as_deref() == Some(&id.to_string()))
        .ok_or_else(|| AppError::bad_request("the school just saved is not in its union council"))
    }
}
