//! Advocacy: the officials an LSO presses, what it sends them, and the community meetings
//! where parents and officials meet.

use crate::codes::{Channel, MeetingKind, OfficialRole};
use crate::ids::{MeetingId, MessageId, OfficialId};
use crate::lang::Lang;
use crate::validation::{Checker, FieldPath, MAX_LONG_TEXT, Validate};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An official or elected representative (MNA, MPA, Deputy Commissioner, DEO...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Official {
    #[serde(default = "OfficialId::new")]
    pub id: OfficialId,
    #[serde(default)]
    pub name: String,
    pub role: OfficialRole,
    #[serde(default)]
    pub district_code: String,
    /// The constituency or office, as people say it ("NA-164", "DEO Female, Thatta").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Validate for Official {
    fn check(&self, at: &FieldPath, c: &mut Checker) {
        c.required_text(at.key("name"), &self.name);
        c.required_text(at.key("district_code"), &self.district_code);
        c.phone(at.key("phone"), self.phone.as_deref());
    }
}

/// A message sent to an official (the daily digest, a request), and the response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvocacyMessage {
    #[serde(default = "MessageId::new")]
    pub id: MessageId,
    #[serde(default)]
    pub uc_code: String,
    pub official_id: OfficialId,
    pub channel: Channel,
    pub language: Lang,
    #[serde(default)]
    pub body: String,
    pub sent_on: NaiveDate,
    #[serde(default)]
    pub sent_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_on: Option<NaiveDate>,
}

impl Validate for AdvocacyMessage {
    fn check(&self, at: &FieldPath, c: &mut Checker) {
        c.required_text(at.key("uc_code"), &self.uc_code);
        c.required_text(at.key("sent_by"), &self.sent_by);
        if self.body.trim().is_empty() {
            c.push(at.key("body"), crate::Rule::Required);
        }
        c.optional_text(at.key("body"), Some(&self.body), MAX_LONG_TEXT);
        c.not_in_future(at.key("sent_on"), self.sent_on);
        c.optional_text(at.key("response"), self.response.as_deref(), MAX_LONG_TEXT);
        if let Some(on) = self.response_on {
            c.not_in_future(at.key("response_on"), on);
            c.not_before(at.key("response_on"), on, at.key("sent_on"), self.sent_on);
        }
    }
}

/// A parent union, parent-teacher meeting or open court with officials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommunityMeeting {
    #[serde(default = "MeetingId::new")]
    pub id: MeetingId,
    #[serde(default)]
    pub uc_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village_code: Option<String>,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    #[serde(default)]
    pub place: String,
    /// Fathers and mothers are counted apart.
    #[serde(default)]
    pub fathers: u32,
    #[serde(default)]
    pub mothers: u32,
    #[serde(default)]
    pub others: u32,
    #[serde(default)]
    pub officials_present: Vec<OfficialId>,
    #[serde(default)]
    pub issues_raised: String,
    #[serde(default)]
    pub decisions: String,
    #[serde(default)]
    pub recorded_by: String,
}

impl Validate for CommunityMeeting {
    fn check(&self, at: &FieldPath, c: &mut Checker) {
        c.required_text(at.key("uc_code"), &self.uc_code);
        c.required_text(at.key("place"), &self.place);
        c.required_text(at.key("recorded_by"), &self.recorded_by);
        c.not_in_future(at.key("held_on"), self.held_on);
        c.optional_text(
            at.key("issues_raised"),
            Some(&self.issues_raised),
            MAX_LONG_TEXT,
        );
        c.optional_text(at.key("decisions"), Some(&self.decisions), MAX_LONG_TEXT);
        c.in_range(at.key("fathers"), self.fathers.into(), 0, 10_000);
        c.in_range(at.key("mothers"), self.mothers.into(), 0, 10_000);
    }
}
