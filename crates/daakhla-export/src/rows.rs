//! One row per record: the columns of each kind, with headers in English and Urdu, and the
//! cells of a record (closed-list values as labels, places as names). A CSV for scripts
//! (`Layout::Scripts`) shows the columns `daakhla export csv` has always written, headed by
//! their keys, from the same rows.

use crate::{ExportError, ExportKind, Values};
use daakhla_domain::Lang;
use daakhla_domain::child::{Child, Class, Schooling};
use daakhla_domain::codes::{Coded, ReasonOutOfSchool};
use daakhla_domain::followup::{FollowUp, Outcome};
use daakhla_domain::geography::Level;
use daakhla_domain::geography::PlaceTree;
use daakhla_domain::household::{GpsFix, Household};
use daakhla_domain::lifecycle::Stage;
use daakhla_domain::record::StoredRecord;
use daakhla_domain::school::{InfrastructureNeed, School};
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// One cell of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        let text = text.into();
        if text.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(text)
        }
    }

    fn opt_text(text: Option<impl Into<String>>) -> Cell {
        text.map_or(Cell::Empty, Cell::text)
    }

    fn number(n: Option<impl Into<f64>>) -> Cell {
        n.map_or(Cell::Empty, |n| Cell::Number(n.into()))
    }

    fn date(date: Option<chrono::NaiveDate>) -> Cell {
        Cell::opt_text(date.map(|d| d.to_string()))
    }
}

/// A column: a stable key (GeoJSON property names, the header of a CSV for scripts), its
/// header in each language, and the layouts that show it.
pub struct Column {
    pub key: &'static str,
    en: &'static str,
    ur: &'static str,
    shown: Shown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Both,
    /// Places by name: people read names, scripts join on codes.
    People,
    /// Kept for the scripts that read `daakhla export csv` since before exports for people.
    Scripts,
}

impl Column {
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Ur => self.ur,
        }
    }

    /// The header this column has in `layout`.
    pub fn header(&self, layout: Layout) -> &'static str {
        match layout {
            Layout::People(lang) => self.label(lang),
            Layout::Scripts(_) => self.key,
        }
    }
}

/// Who a file is for: people (headers and labels in a language, places by name) or scripts
/// (headers as keys, closed-list values as `Values` says, yes/no as true/false, classes as
/// numbers, places as codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    People(Lang),
    Scripts(Values),
}

impl Layout {
    fn shows(self, column: &Column) -> bool {
        match (self, column.shown) {
            (_, Shown::Both) => true,
            (Layout::People(_), shown) => shown == Shown::People,
            (Layout::Scripts(_), shown) => shown == Shown::Scripts,
        }
    }
}

macro_rules! columns {
    (@shown) => { Shown::Both };
    (@shown people) => { Shown::People };
    (@shown scripts) => { Shown::Scripts };
    ($($key:literal => ($en:literal, $ur:literal) $($only:ident)?),+ $(,)?) => {
        &[$(Column { key: $key, en: $en, ur: $ur, shown: columns!(@shown $($only)?) }),+]
    };
}

const HOUSEHOLDS: &[Column] = columns![
    "id" => ("ID", "آئی ڈی"),
    "district" => ("District", "ضلع") people,
    "uc_code" => ("UC code", "یونین کونسل کوڈ"),
    "uc" => ("Union council", "یونین کونسل") people,
    "village_code" => ("Village code", "گاؤں کوڈ"),
    "village" => ("Village / mohalla", "گاؤں / محلہ") people,
    "household_number" => ("Household number", "گھرانہ نمبر"),
    "landmark" => ("Landmark", "نشانی"),
    "consent" => ("Consent", "رضامندی"),
    "latitude" => ("Latitude", "عرض بلد"),
    "longitude" => ("Longitude", "طول بلد"),
    "respondent_name" => ("Respondent", "جواب دہندہ"),
    "respondent_relation" => ("Respondent's relation", "جواب دہندہ کا رشتہ"),
    "respondent_phone" => ("Respondent's phone", "جواب دہندہ کا فون"),
    "head_name" => ("Head of household", "سربراہ خانہ"),
    "head_sex" => ("Head's sex", "سربراہ کی جنس"),
    "mother_schooling" => ("Mother's schooling", "والدہ کی تعلیم"),
    "father_schooling" => ("Father's schooling", "والد کی تعلیم"),
    "house_type" => ("House type", "مکان کی قسم"),
    "members" => ("Members", "افراد"),
    "surveyed_by" => ("Surveyed by", "سروے کنندہ"),
    "surveyed_on" => ("Surveyed on", "تاریخ سروے"),
    "children" => ("Children", "بچے") scripts,
    "out_of_school" => ("Out of school", "اسکول سے باہر") scripts,
];

const CHILDREN: &[Column] = columns![
    "id" => ("ID", "آئی ڈی"),
    "household_id" => ("Household ID", "گھرانہ آئی ڈی"),
    "district" => ("District", "ضلع") people,
    "uc_code" => ("UC code", "یونین کونسل کوڈ") people,
    "uc" => ("Union council", "یونین کونسل") people,
    "village_code" => ("Village code", "گاؤں کوڈ") scripts,
    "village" => ("Village / mohalla", "گاؤں / محلہ") people,
    "household_number" => ("Household number", "گھرانہ نمبر"),
    "name" => ("Name", "نام"),
    "sex" => ("Sex", "جنس"),
    "age_years" => ("Age (years)", "عمر (سال)"),
    "date_of_birth" => ("Date of birth", "تاریخ پیدائش"),
    "relation_to_head" => ("Relation to head", "سربراہ سے رشتہ"),
    "father_name" => ("Father's name", "والد کا نام"),
    "schooling" => ("Schooling", "تعلیمی حیثیت"),
    "class" => ("Class", "جماعت"),
    "last_class_passed" => ("Last class passed", "آخری پاس جماعت"),
    "year_left" => ("Year left", "اسکول چھوڑنے کا سال"),
    "reasons_out_of_school" => ("Reasons out of school", "اسکول سے باہر ہونے کی وجوہات"),
    "other_reason" => ("Other reason", "دیگر وجہ"),
    "willing_to_enrol" => ("Willing to enrol", "داخلے پر آمادہ"),
    "stage" => ("Stage", "مرحلہ"),
    "enrolled_on" => ("Enrolled on", "تاریخ داخلہ"),
];

const FOLLOW_UPS: &[Column] = columns![
    "id" => ("ID", "آئی ڈی"),
    "child_id" => ("Child ID", "بچے کی آئی ڈی"),
    "child" => ("Child", "بچہ") people,
    "uc_code" => ("UC code", "یونین کونسل کوڈ") people,
    "uc" => ("Union council", "یونین کونسل") people,
    "visited_on" => ("Visited on", "تاریخ ملاقات"),
    "visited_by" => ("Visited by", "ملاقات کنندہ"),
    "outcome" => ("Outcome", "نتیجہ"),
    "school" => ("School", "اسکول"),
    "class" => ("Class", "جماعت"),
    "admitted_on" => ("Admitted on", "تاریخ داخلہ"),
    "why" => ("Why", "وجہ"),
    "milestone" => ("Retention check", "حاضری کی جانچ"),
    "attending_regularly" => ("Attending regularly", "باقاعدہ حاضر"),
    "days_attended_last_week" => ("Days attended last week", "پچھلے ہفتے حاضری کے دن"),
    "dropped_out" => ("Dropped out", "اسکول چھوڑ دیا"),
    "dropout_reasons" => ("Dropout reasons", "اسکول چھوڑنے کی وجوہات"),
    "notes" => ("Notes", "نوٹس"),
];

const SCHOOLS: &[Column] = columns![
    "id" => ("ID", "آئی ڈی"),
    "emis_code" => ("EMIS code", "ای ایم آئی ایس کوڈ"),
    "name" => ("Name", "نام"),
    "level" => ("Level", "سطح"),
    "gender" => ("Admits", "داخلہ"),
    "functional" => ("Functional", "فعال"),
    "closed_reason" => ("Why closed", "بندش کی وجہ"),
    "district" => ("District", "ضلع"),
    "uc_code" => ("UC code", "یونین کونسل کوڈ"),
    "uc" => ("Union council", "یونین کونسل"),
    "village_code" => ("Village code", "گاؤں کوڈ"),
    "village" => ("Village / mohalla", "گاؤں / محلہ"),
    "latitude" => ("Latitude", "عرض بلد"),
    "longitude" => ("Longitude", "طول بلد"),
    "teachers" => ("Teachers", "اساتذہ"),
    "classrooms" => ("Classrooms", "کمرہ جماعت"),
    "enrolment" => ("Enrolment", "داخل بچے"),
    "boundary_wall" => ("Boundary wall", "چار دیواری"),
    "wall_condition" => ("Wall condition", "دیوار کی حالت"),
    "drinking_water" => ("Drinking water", "پینے کا پانی"),
    "electricity" => ("Electricity", "بجلی"),
    "toilets_usable" => ("Usable toilets", "قابل استعمال بیت الخلا"),
    "building_condition" => ("Building", "عمارت"),
];

const NEEDS: &[Column] = columns![
    "id" => ("ID", "آئی ڈی"),
    "school_id" => ("School ID", "اسکول آئی ڈی"),
    "school" => ("School", "اسکول"),
    "uc_code" => ("UC code", "یونین کونسل کوڈ"),
    "uc" => ("Union council", "یونین کونسل"),
    "category" => ("Need", "ضرورت"),
    "severity" => ("Severity", "شدت"),
    "status" => ("Status", "صورتحال"),
    "description" => ("Description", "تفصیل"),
    "identified_on" => ("Identified on", "تاریخ نشاندہی"),
    "reported_by" => ("Reported by", "رپورٹ کنندہ"),
    "raised_on" => ("Raised on", "اٹھانے کی تاریخ"),
    "promised_on" => ("Promised on", "وعدے کی تاریخ"),
    "resolved_on" => ("Resolved on", "حل ہونے کی تاریخ"),
];

/// The columns `layout` shows of `kind`, in order.
pub fn columns(kind: ExportKind, layout: Layout) -> impl Iterator<Item = &'static Column> {
    all_columns(kind).iter().filter(move |c| layout.shows(c))
}

fn all_columns(kind: ExportKind) -> &'static [Column] {
    match kind {
        ExportKind::Households => HOUSEHOLDS,
        ExportKind::Children => CHILDREN,
        ExportKind::FollowUps => FOLLOW_UPS,
        ExportKind::Schools => SCHOOLS,
        ExportKind::Needs => NEEDS,
    }
}

/// A record's cells, and its point on a map if it has one.
pub struct Row {
    pub cells: Vec<Cell>,
    pub point: Option<(f64, f64)>,
}

/// How many children each household has on its roster and how many of them are out of
/// school, for the `children` and `out_of_school` columns of households for scripts.
#[derive(Debug, Default)]
pub(crate) struct Rosters(HashMap<String, [u32; 2]>);

impl Rosters {
    pub fn add(&mut self, child: &StoredRecord) -> Result<(), ExportError> {
        let c: Child = parse(&child.body, &record_id(child))?;
        let counts = self.0.entry(c.household_id.to_string()).or_default();
        counts[0] += 1;
        counts[1] += u32::from(c.is_out_of_school());
        Ok(())
    }

    fn of(&self, household: &Household) -> [Cell; 2] {
        let [children, out_of_school] = self
            .0
            .get(&household.id.to_string())
            .copied()
            .unwrap_or_default();
        [
            Cell::Number(children.into()),
            Cell::Number(out_of_school.into()),
        ]
    }
}

/// Labels closed-list values, yes/no and places as `layout` wants them.
struct Labels<'a> {
    layout: Layout,
    places: &'a PlaceTree,
}

impl Labels<'_> {
    /// The language of labels and place names (codes and places alike in English for scripts).
    fn lang(&self) -> Lang {
        match self.layout {
            Layout::People(lang) | Layout::Scripts(Values::Labels(lang)) => lang,
            Layout::Scripts(Values::Codes) => Lang::En,
        }
    }

    /// A closed-list value's code or label.
    fn word<T: Coded>(&self, value: T) -> &'static str {
        match self.layout {
            Layout::Scripts(Values::Codes) => value.code(),
            _ => value.label(self.lang()),
        }
    }

    fn of<T: Coded>(&self, value: T) -> Cell {
        Cell::text(self.word(value))
    }

    fn opt<T: Coded>(&self, value: Option<T>) -> Cell {
        value.map_or(Cell::Empty, |v| self.of(v))
    }

    fn yes_no(&self, value: bool) -> Cell {
        Cell::text(match (value, self.layout) {
            (true, Layout::Scripts(_)) => "true",
            (false, Layout::Scripts(_)) => "false",
            (true, Layout::People(Lang::En)) => "Yes",
            (false, Layout::People(Lang::En)) => "No",
            (true, Layout::People(Lang::Ur)) => "ہاں",
            (false, Layout::People(Lang::Ur)) => "نہیں",
        })
    }

    fn reasons(&self, reasons: &[ReasonOutOfSchool]) -> Cell {
        let labels: Vec<&str> = reasons.iter().map(|r| self.word(*r)).collect();
        let urdu = self.layout == Layout::People(Lang::Ur);
        Cell::text(labels.join(if urdu { "؛ " } else { "; " }))
    }

    fn class(&self, class: Option<Class>) -> Cell {
        match self.layout {
            Layout::People(lang) => Cell::opt_text(class.map(|c| c.label(lang))),
            Layout::Scripts(_) => Cell::number(class.map(|c| c.0)),
        }
    }

    fn place(&self, code: &str) -> Cell {
        Cell::text(self.places.name(code, self.lang()))
    }

    fn district(&self, code: &str) -> Cell {
        Cell::text(self.places.above(code, Level::District, self.lang()))
    }
}

fn parse<T: DeserializeOwned>(value: &serde_json::Value, id: &str) -> Result<T, ExportError> {
    T::deserialize(value).map_err(|e| ExportError::Unreadable {
        id: id.to_string(),
        why: e.to_string(),
    })
}

fn record_id(record: &StoredRecord) -> String {
    record
        .body
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or("?")
        .to_string()
}

fn gps_cells(gps: Option<GpsFix>) -> [Cell; 2] {
    [
        Cell::number(gps.map(|g| g.latitude)),
        Cell::number(gps.map(|g| g.longitude)),
    ]
}

/// A record's row as `layout` shows it; households for scripts count their rosters in
/// `rosters`.
pub(crate) fn row(
    kind: ExportKind,
    record: &StoredRecord,
    layout: Layout,
    places: &PlaceTree,
    rosters: &Rosters,
) -> Result<Row, ExportError> {
    let Row { cells, point } = every_cell(kind, record, layout, places, rosters)?;
    let columns = all_columns(kind);
    debug_assert_eq!(cells.len(), columns.len(), "{kind:?}");
    let cells = cells
        .into_iter()
        .zip(columns)
        .filter(|(_, column)| layout.shows(column))
        .map(|(cell, _)| cell)
        .collect();
    Ok(Row { cells, point })
}

/// A record's cell for every column of its kind, whichever layouts show it.
fn every_cell(
    kind: ExportKind,
    record: &StoredRecord,
    layout: Layout,
    places: &PlaceTree,
    rosters: &Rosters,
) -> Result<Row, ExportError> {
    let id = record_id(record);
    let l = Labels { layout, places };
    let parent = |what: &str| {
        record
            .parent
            .as_ref()
            .ok_or_else(|| ExportError::Unreadable {
                id: id.clone(),
                why: format!("its {what} is not stored"),
            })
    };
    Ok(match kind {
        ExportKind::Households => {
            let h: Household = parse(&record.body, &id)?;
            let [latitude, longitude] = gps_cells(h.gps);
            let [children, out_of_school] = match layout {
                Layout::Scripts(_) => rosters.of(&h),
                Layout::People(_) => [Cell::Empty, Cell::Empty],
            };
            Row {
                point: h.gps.map(|g| (g.latitude, g.longitude)),
                cells: vec![
                    Cell::text(h.id.to_string()),
                    l.district(&h.uc_code),
                    Cell::text(&h.uc_code),
                    l.place(&h.uc_code),
                    Cell::text(&h.village_code),
                    l.place(&h.village_code),
                    Cell::text(&h.household_number),
                    Cell::opt_text(h.landmark),
                    l.yes_no(h.consent),
                    latitude,
                    longitude,
                    Cell::opt_text(h.respondent_name),
                    l.opt(h.respondent_relation),
                    Cell::opt_text(h.respondent_phone),
                    Cell::opt_text(h.head_name),
                    l.opt(h.head_sex),
                    l.opt(h.mother_schooling),
                    l.opt(h.father_schooling),
                    l.opt(h.house_type),
                    Cell::number(h.members),
                    Cell::text(h.surveyed_by),
                    Cell::date(Some(h.surveyed_on)),
                    children,
                    out_of_school,
                ],
            }
        }
        ExportKind::Children => {
            let c: Child = parse(&record.body, &id)?;
            let h: Household = parse(parent("household")?, &id)?;
            let (class_now, last_class, year_left) = match &c.schooling {
                Schooling::Enrolled { class, .. } => (l.class(*class), Cell::Empty, Cell::Empty),
                Schooling::DroppedOut {
                    last_class_passed,
                    year_left,
                } => (
                    Cell::Empty,
                    l.class(*last_class_passed),
                    Cell::number(*year_left),
                ),
                Schooling::NeverEnrolled => (Cell::Empty, Cell::Empty, Cell::Empty),
            };
            let stage = record.stage.as_deref().and_then(Stage::from_code);
            Row {
                point: None,
                cells: vec![
                    Cell::text(c.id.to_string()),
                    Cell::text(h.id.to_string()),
                    l.district(&h.uc_code),
                    Cell::text(&h.uc_code),
                    l.place(&h.uc_code),
                    Cell::text(&h.village_code),
                    l.place(&h.village_code),
                    Cell::text(&h.household_number),
                    Cell::text(&c.name),
                    l.of(c.sex),
                    Cell::number(c.age_on(h.surveyed_on).map(|a| a as f64)),
                    Cell::date(c.date_of_birth),
                    l.opt(c.relation_to_head),
                    Cell::opt_text(c.father_name.clone()),
                    l.of(c.schooling.status()),
                    class_now,
                    last_class,
                    year_left,
                    l.reasons(&c.reasons_out_of_school),
                    Cell::opt_text(c.other_reason.clone()),
                    c.willing_to_enrol.map_or(Cell::Empty, |w| l.yes_no(w)),
                    l.opt(stage),
                    Cell::opt_text(record.enrolled_on.clone()),
                ],
            }
        }
        ExportKind::FollowUps => {
            let f: FollowUp = parse(&record.body, &id)?;
            let child_name = record
                .parent
                .as_ref()
                .and_then(|c| c.get("name"))
                .and_then(|n| n.as_str())
                .unwrap_or_default();
            let mut detail = vec![Cell::Empty; 9];
            match &f.outcome {
                Outcome::Enrolled {
                    school,
                    class,
                    admitted_on,
                } => {
                    detail[0] = Cell::opt_text(school.as_ref().map(|s| s.name.clone()));
                    detail[1] = l.class(*class);
                    detail[2] = Cell::date(*admitted_on);
                }
                Outcome::AdmissionPending { why } => detail[3] = Cell::text(why),
                Outcome::Refused { why } => detail[3] = Cell::opt_text(why.clone()),
                Outcome::RetentionCheck {
                    milestone,
                    attending_regularly,
                    days_attended_last_week,
                    dropped_out,
                    dropout_reasons,
                } => {
                    detail[4] = l.of(*milestone);
                    detail[5] = l.yes_no(*attending_regularly);
                    detail[6] = Cell::number(*days_attended_last_week);
                    detail[7] = l.yes_no(*dropped_out);
                    detail[8] = l.reasons(dropout_reasons);
                }
                Outcome::MovedAway | Outcome::ChildWorking | Outcome::NotFound => {}
            }
            let mut cells = vec![
                Cell::text(f.id.to_string()),
                Cell::text(f.child_id.to_string()),
                Cell::text(child_name),
                Cell::text(&record.uc_code),
                l.place(&record.uc_code),
                Cell::date(Some(f.visited_on)),
                Cell::text(&f.visited_by),
                l.of(f.outcome.kind()),
            ];
            cells.extend(detail);
            cells.push(Cell::opt_text(f.notes.clone()));
            Row { cells, point: None }
        }
        ExportKind::Schools => {
            let s: School = parse(&record.body, &id)?;
            let [latitude, longitude] = gps_cells(s.gps);
            let village = s.village_code.clone().unwrap_or_default();
            let f = &s.facilities;
            Row {
                point: s.gps.map(|g| (g.latitude, g.longitude)),
                cells: vec![
                    Cell::text(s.id.to_string()),
                    Cell::opt_text(s.emis_code.clone()),
                    Cell::text(&s.name),
                    l.of(s.level),
                    l.of(s.gender),
                    l.yes_no(s.functional),
                    Cell::opt_text(s.closed_reason.clone()),
                    l.district(&s.uc_code),
                    Cell::text(&s.uc_code),
                    l.place(&s.uc_code),
                    Cell::text(&village),
                    l.place(&village),
                    latitude,
                    longitude,
                    Cell::number(s.teachers),
                    Cell::number(s.classrooms),
                    Cell::number(s.enrolment),
                    l.opt(f.boundary_wall),
                    l.opt(f.wall_condition),
                    l.opt(f.drinking_water),
                    l.opt(f.electricity),
                    Cell::number(f.toilets_usable),
                    l.opt(f.building_condition),
                ],
            }
        }
        ExportKind::Needs => {
            let n: InfrastructureNeed = parse(&record.body, &id)?;
            let school_name = record
                .parent
                .as_ref()
                .and_then(|s| s.get("name"))
                .and_then(|n| n.as_str())
                .unwrap_or_default();
            Row {
                point: None,
                cells: vec![
                    Cell::text(n.id.to_string()),
                    Cell::text(n.school_id.to_string()),
                    Cell::text(school_name),
                    Cell::text(&record.uc_code),
                    l.place(&record.uc_code),
                    l.of(n.category),
                    l.of(n.severity),
                    l.of(n.status()),
                    Cell::opt_text(n.description.clone()),
                    Cell::date(Some(n.identified_on)),
                    Cell::text(&n.reported_by),
                    Cell::date(n.raised_on),
                    Cell::date(n.promised_on),
                    Cell::date(n.resolved_on),
                ],
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_unique_keys_and_both_headers() {
        for kind in ExportKind::ALL {
            let cols = all_columns(kind);
            let mut keys: Vec<_> = cols.iter().map(|c| c.key).collect();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), cols.len(), "{kind:?}");
            assert!(cols.iter().all(|c| !c.en.is_empty() && !c.ur.is_empty()));
        }
    }

    fn script_headers(kind: ExportKind) -> Vec<&'static str> {
        columns(kind, Layout::Scripts(Values::Codes))
            .map(|c| c.header(Layout::Scripts(Values::Codes)))
            .collect()
    }

    /// What `daakhla export csv` has written since before exports for people: scripts read
    /// these columns by name and by position.
    #[test]
    fn scripts_keep_their_columns() {
        assert_eq!(
            script_headers(ExportKind::Households).join(","),
            "id,uc_code,village_code,household_number,landmark,consent,latitude,longitude,\
             respondent_name,respondent_relation,respondent_phone,head_name,head_sex,\
             mother_schooling,father_schooling,house_type,members,surveyed_by,surveyed_on,\
             children,out_of_school"
        );
        assert_eq!(
            script_headers(ExportKind::Children).join(","),
            "id,household_id,village_code,household_number,name,sex,age_years,date_of_birth,\
             relation_to_head,father_name,schooling,class,last_class_passed,year_left,\
             reasons_out_of_school,other_reason,willing_to_enrol,stage,enrolled_on"
        );
        assert_eq!(
            script_headers(ExportKind::FollowUps).join(","),
            "id,child_id,visited_on,visited_by,outcome,school,class,admitted_on,why,milestone,\
             attending_regularly,days_attended_last_week,dropped_out,dropout_reasons,notes"
        );
    }
}
