//! What a report says: plain data, the same from every database, serialised as the dashboard
//! and the app read it. Girls are always counted apart from boys.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ts")]
use ts_rs::TS;

/// Which figures: an area (any place, or everywhere) and an optional date range, inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ReportRequest {
    /// A place code (province, district, tehsil, union council or village); none: everywhere
    /// the reader may see.
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub to: Option<NaiveDate>,
}

/// A count with girls, boys and transgender children apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct BySex {
    pub girls: u64,
    pub boys: u64,
    pub transgender: u64,
}

/// A share in percent, one decimal, for girls, boys and all; none where nothing was counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct Shares {
    pub girls: Option<f64>,
    pub boys: Option<f64>,
    pub all: Option<f64>,
}

/// A closed list's code with both its labels, so every reader can show it in either language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct Label {
    pub code: String,
    pub en: String,
    pub ur: String,
}

/// A place as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PlaceName {
    pub code: String,
    /// `province`, `district`, `tehsil`, `union_council` or `village`.
    pub level: String,
    pub name_en: String,
    pub name_ur: String,
}

/// School-age bands: primary, middle and secondary ages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct AgeBandCount {
    pub from_age: u8,
    pub to_age: u8,
    pub children: BySex,
}

/// Retention after enrolment at one milestone (1, 3 or 6 months).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct Retention {
    pub months: u32,
    /// Enrolled children whose milestone has come.
    pub due: BySex,
    /// Of those, visited for this check.
    pub checked: BySex,
    /// Of those checked, still in school.
    pub retained: BySex,
    /// retained / checked.
    pub rate: Shares,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ReasonCount {
    pub reason: Label,
    pub children: BySex,
}

/// A category of school need: how many are still open and how many were resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct NeedCount {
    pub category: Label,
    pub open: u64,
    pub resolved: u64,
}

/// One week, Monday to Sunday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct Week {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub starts_on: NaiveDate,
    /// Out-of-school children found in surveys that week.
    pub found: BySex,
    /// Of the out-of-school children found, those enrolled that week.
    pub enrolled: BySex,
    pub needs_resolved: u64,
}

/// One place inside the area, as a league table and a drill-down show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PartRow {
    pub place: PlaceName,
    pub households: u64,
    pub out_of_school: BySex,
    pub enrolled: BySex,
    pub enrolment_rate: Shares,
    pub needs_open: u64,
    pub schools_improved: u64,
}

/// The figures a supervisor lives by, for one area and date range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct Report {
    /// None: everywhere the reader may see.
    pub area: Option<PlaceName>,
    /// The places above the area, outermost first (for a drill-down's way back).
    pub trail: Vec<PlaceName>,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub from: Option<NaiveDate>,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub to: Option<NaiveDate>,
    /// The day retention milestones are counted up to.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub as_of: NaiveDate,
    /// Households surveyed (in the range), and of them those that gave no consent.
    pub households: u64,
    pub households_without_consent: u64,
    /// Children 5–16 on the rosters of those households.
    pub children: BySex,
    /// In school when surveyed: the baseline enrolment.
    pub in_school_at_survey: BySex,
    /// Out-of-school children found.
    pub out_of_school: BySex,
    pub out_of_school_by_age: Vec<AgeBandCount>,
    /// Out-of-school children enrolled (admission in the range).
    pub enrolled: BySex,
    /// Of the out-of-school children found, the share now enrolled.
    pub enrolment_rate: Shares,
    /// Children enrolled as a share of the baseline enrolment: how much enrolment grew.
    pub increase_over_baseline: Shares,
    /// Out-of-school children still to be got into school (not yet enrolled, or dropped out).
    pub still_to_follow_up: BySex,
    pub dropped_out_again: BySex,
    pub retention: Vec<Retention>,
    /// Most common first.
    pub reasons: Vec<ReasonCount>,
    /// Needs identified, by category, in the order of the closed list.
    pub needs: Vec<NeedCount>,
    pub schools: u64,
    /// Schools with at least one need resolved (in the range).
    pub schools_improved: u64,
    pub weekly: Vec<Week>,
    /// The places one level down (districts of a province, union councils of a district,
    /// villages of a union council), most out-of-school children first.
    pub parts: Vec<PartRow>,
    /// Households the reader may see that sit in a union council or village this geography
    /// lacks: no part shows them, and a union council's or district's figures leave them out
    /// (their device's places never reached the server). Zero when every place is known.
    pub unplaced_households: u64,
    /// Changes the server has taken but not counted yet: its records are catching up with its
    /// log, and asking again shortly shows them. Always zero on a device.
    pub pending_changes: u64,
}

/// An out-of-school child as a drill-down lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS), ts(rename = "ReportChild"))]
pub struct ChildRow {
    pub id: String,
    pub household_id: String,
    pub household_number: String,
    pub name: String,
    /// `girl`, `boy` or `transgender`.
    pub sex: String,
    pub age_years: u32,
    pub stage: Label,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub enrolled_on: Option<NaiveDate>,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub last_visit: Option<NaiveDate>,
}

/// One visit in a child's story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS), ts(rename = "ReportVisit"))]
pub struct VisitRow {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub visited_on: NaiveDate,
    pub outcome: Label,
    /// The retention milestone, for a retention check.
    pub milestone: Option<Label>,
    /// For a retention check: still in school.
    pub attending: Option<bool>,
}

/// A child's lifecycle: survey row, stage and every visit in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ChildStory {
    pub child: ChildRow,
    pub village: PlaceName,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub surveyed_on: NaiveDate,
    pub reasons: Vec<Label>,
    pub visits: Vec<VisitRow>,
}
