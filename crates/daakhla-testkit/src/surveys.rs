//! Household surveys and the children on their rosters, built from the JSON a resource person's
//! form gives, so a test states only what its story needs.

use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::input::decode_value;
use serde_json::{Map, Value, json};

/// A household survey being written: consent given, surveyed by Ayesha on 1 November 2026,
/// no children until some are added.
pub struct Survey {
    household: Map<String, Value>,
    children: Vec<Value>,
}

/// The survey of household `number` in `village` of union council `uc`.
pub fn household(uc: &str, village: &str, number: &str) -> Survey {
    let household = json!({
        "uc_code": uc, "village_code": village, "household_number": number, "consent": true,
        "surveyed_by": "Ayesha", "surveyed_on": "2026-11-01"
    });
    Survey {
        household: household.as_object().unwrap().clone(),
        children: Vec::new(),
    }
}

impl Survey {
    /// The household's head.
    pub fn head(self, name: &str) -> Survey {
        self.with("head_name", name)
    }

    /// How many people live in the household.
    pub fn members(self, members: u32) -> Survey {
        self.with("members", members)
    }

    /// The day of the survey (YYYY-MM-DD).
    pub fn surveyed_on(self, day: &str) -> Survey {
        self.with("surveyed_on", day)
    }

    /// Any other field of the household, as the form writes it.
    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Survey {
        self.household.insert(field.into(), value.into());
        self
    }

    /// One more child on the roster.
    pub fn child(mut self, child: Value) -> Survey {
        self.children.push(child);
        self
    }

    /// More children on the roster: a JSON array of them.
    pub fn children(mut self, children: Value) -> Survey {
        let Value::Array(children) = children else {
            panic!("children are a JSON array, not {children}")
        };
        self.children.extend(children);
        self
    }

    /// The survey, its children linked to the household.
    pub fn build(self) -> HouseholdSurvey {
        let mut survey: HouseholdSurvey = decode_value(json!({
            "household": self.household,
            "children": self.children
        }))
        .unwrap();
        survey.link_children();
        survey
    }
}

/// An out-of-school child (OSC) who never enrolled, for the cost: the commonest child the
/// tests follow.
pub fn osc(name: &str, sex: &str, age: u8) -> Value {
    osc_for(name, sex, age, "never_enrolled", json!(["cost"]))
}

/// An out-of-school child (`status`: `never_enrolled` or `dropped_out`) for `reasons`.
pub fn osc_for(name: &str, sex: &str, age: u8, status: &str, reasons: Value) -> Value {
    json!({"name": name, "sex": sex, "age_years": age, "schooling": {"status": status},
           "reasons_out_of_school": reasons})
}

/// A child enrolled in `class`.
pub fn in_school(name: &str, sex: &str, age: u8, class: u8) -> Value {
    json!({"name": name, "sex": sex, "age_years": age, "schooling": {"status": "enrolled", "class": class}})
}
