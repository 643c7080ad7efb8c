//! The closed lists a form offers, with their codes and both labels, read from the domain's
//! lists so the UI never keeps a copy of its own.

use daakhla_domain::Lang;
use daakhla_domain::codes::{
    AdultSex, ChildSex, Coded, HouseType, NeedCategory, NeedStatus, OutcomeKind, ParentSchooling,
    ReasonOutOfSchool, RelationToHead, RespondentRelation, RetentionMilestone, SchoolGender,
    SchoolLevel, SchoolingStatus, Severity,
};
use daakhla_domain::lifecycle::{Stage, VisitDue};
use serde::Serialize;
use ts_rs::TS;

/// One value of a closed list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Choice {
    pub code: String,
    pub en: String,
    pub ur: String,
}

/// Every closed list the app's forms and pages use, in the order forms show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Vocabulary {
    pub child_sex: Vec<Choice>,
    pub adult_sex: Vec<Choice>,
    pub parent_schooling: Vec<Choice>,
    pub house_type: Vec<Choice>,
    pub respondent_relation: Vec<Choice>,
    pub relation_to_head: Vec<Choice>,
    pub schooling_status: Vec<Choice>,
    pub reason_out_of_school: Vec<Choice>,
    pub outcome_kind: Vec<Choice>,
    pub retention_milestone: Vec<Choice>,
    pub stage: Vec<Choice>,
    pub visit_due: Vec<Choice>,
    pub school_level: Vec<Choice>,
    pub school_gender: Vec<Choice>,
    pub need_category: Vec<Choice>,
    pub severity: Vec<Choice>,
    pub need_status: Vec<Choice>,
}

pub(crate) fn choices<T: Coded>() -> Vec<Choice> {
    T::ALL.iter().map(|&value| choice(value)).collect()
}

pub(crate) fn choice<T: Coded>(value: T) -> Choice {
    Choice {
        code: value.code().into(),
        en: value.label(Lang::En).into(),
        ur: value.label(Lang::Ur).into(),
    }
}

pub fn vocabulary() -> Vocabulary {
    Vocabulary {
        child_sex: choices::<ChildSex>(),
        adult_sex: choices::<AdultSex>(),
        parent_schooling: choices::<ParentSchooling>(),
        house_type: choices::<HouseType>(),
        respondent_relation: choices::<RespondentRelation>(),
        relation_to_head: choices::<RelationToHead>(),
        schooling_status: choices::<SchoolingStatus>(),
        reason_out_of_school: choices::<ReasonOutOfSchool>(),
        outcome_kind: choices::<OutcomeKind>(),
        retention_milestone: choices::<RetentionMilestone>(),
        stage: choices::<Stage>(),
        visit_due: choices::<VisitDue>(),
        school_level: choices::<SchoolLevel>(),
        school_gender: choices::<SchoolGender>(),
        need_category: choices::<NeedCategory>(),
        severity: choices::<Severity>(),
        need_status: choices::<NeedStatus>(),
    }
}

/// TypeScript unions of each list's codes, so a code the domain does not know fails the
/// UI's type check. Fields typed with these names carry `#[ts(type = "...")]`.
pub(crate) fn code_unions() -> String {
    fn union<T: Coded>(name: &str) -> String {
        let codes: Vec<String> = T::ALL.iter().map(|v| format!("\"{}\"", v.code())).collect();
        format!("export type {name} = {};\n", codes.join(" | "))
    }
    [
        union::<ChildSex>("ChildSex"),
        union::<AdultSex>("AdultSex"),
        union::<ParentSchooling>("ParentSchooling"),
        union::<HouseType>("HouseType"),
        union::<RespondentRelation>("RespondentRelation"),
        union::<RelationToHead>("RelationToHead"),
        union::<SchoolingStatus>("SchoolingStatus"),
        union::<ReasonOutOfSchool>("ReasonOutOfSchool"),
        union::<OutcomeKind>("OutcomeKind"),
        union::<RetentionMilestone>("RetentionMilestone"),
        union::<Stage>("Stage"),
        union::<VisitDue>("VisitDue"),
        union::<SchoolLevel>("SchoolLevel"),
        union::<SchoolGender>("SchoolGender"),
        union::<NeedCategory>("NeedCategory"),
        union::<Severity>("Severity"),
        union::<NeedStatus>("NeedStatus"),
    ]
    .concat()
}
