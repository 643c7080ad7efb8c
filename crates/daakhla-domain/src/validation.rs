//! Validation: every rule a record breaks is reported at once, each naming the field (as a
//! path such as `children[1].age_years`) and the rule, in English and Urdu.

use crate::Lang;
use crate::codes::{Coded, FunctioningDomain};
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt;

/// What the rules need from the world outside the record.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The device's date: nothing may be recorded as happening after it.
    pub today: NaiveDate,
}

/// Where in a record a value sits: `children[1].name`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldPath(Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(&'static str),
    Index(usize),
}

impl FieldPath {
    pub fn root() -> Self {
        Self::default()
    }

    pub fn key(&self, key: &'static str) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Key(key));
        next
    }

    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Index(index));
        next
    }

    /// The path as a reader would say it: "Child 2 › Age in years", "بچہ 2 › عمر (سال)".
    pub fn label(&self, lang: Lang) -> String {
        let mut out = String::new();
        for segment in &self.0 {
            match segment {
                Segment::Key(key) => {
                    if !out.is_empty() {
                        out.push_str(" › ");
                    }
                    out.push_str(field_label(key, lang));
                }
                Segment::Index(i) if out.is_empty() => {
                    // A record's place in a batch.
                    let word = match lang {
                        Lang::En => "Record",
                        Lang::Ur => "ریکارڈ",
                    };
                    out.push_str(&format!("{word} {}", i + 1));
                }
                Segment::Index(i) => {
                    out.push(' ');
                    out.push_str(&(i + 1).to_string());
                }
            }
        }
        out
    }
}

impl FieldPath {
    /// This path inside the record at `index` of a batch: `[3].household.household_number`.
    pub fn in_batch(&self, index: usize) -> FieldPath {
        let mut segments = vec![Segment::Index(index)];
        segments.extend(self.0.iter().cloned());
        FieldPath(segments)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if n == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// A rule a value broke. Each has a stable code for scripts and a sentence in each language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Required,
    MustBeEmpty,
    TooLong {
        max: usize,
    },
    OutOfRange {
        min: i64,
        max: i64,
        value: i64,
    },
    AgeOrBirthDateRequired,
    AgeOutsideRoster {
        age: i64,
    },
    InFuture {
        date: NaiveDate,
        today: NaiveDate,
    },
    NotBefore {
        limit: NaiveDate,
        limit_field: FieldPath,
    },
    FollowUpBeforeSurvey {
        surveyed_on: NaiveDate,
    },
    RequiredWhenEnrolled,
    ReasonsOnlyWhenOutOfSchool,
    RequiredWhenOtherReason,
    OnlyWithOtherReason,
    PersonalDataWithoutConsent,
    HouseholdNumberTaken {
        village_code: String,
    },
    ListedTwice,
    AnswerDoesNotFitQuestion,
    PhoneFormat,
    WrongHousehold,
    RetentionBeforeEnrolment,
    UnknownPlace {
        code: String,
    },
    PlaceNotInUnionCouncil {
        uc_code: String,
    },
    UnknownRecord {
        id: String,
    },
    AlreadyStored {
        id: String,
    },
}

impl Rule {
    pub fn code(&self) -> &'static str {
        match self {
            Rule::Required => "required",
            Rule::MustBeEmpty => "must_be_empty",
            Rule::TooLong { .. } => "too_long",
            Rule::OutOfRange { .. } => "out_of_range",
            Rule::AgeOrBirthDateRequired => "age_or_birth_date_required",
            Rule::AgeOutsideRoster { .. } => "age_5_to_16",
            Rule::InFuture { .. } => "date_in_future",
            Rule::NotBefore { .. } => "date_too_early",
            Rule::FollowUpBeforeSurvey { .. } => "follow_up_before_survey",
            Rule::RequiredWhenEnrolled => "required_when_enrolled",
            Rule::ReasonsOnlyWhenOutOfSchool => "reasons_only_out_of_school",
            Rule::RequiredWhenOtherReason => "required_with_other_reason",
            Rule::OnlyWithOtherReason => "only_with_other_reason",
            Rule::PersonalDataWithoutConsent => "personal_data_without_consent",
            Rule::HouseholdNumberTaken { .. } => "household_number_taken",
            Rule::ListedTwice => "listed_twice",
            Rule::AnswerDoesNotFitQuestion => "answer_does_not_fit",
            Rule::PhoneFormat => "phone_format",
            Rule::WrongHousehold => "wrong_household",
            Rule::RetentionBeforeEnrolment => "retention_before_enrolment",
            Rule::UnknownPlace { .. } => "unknown_place",
            Rule::PlaceNotInUnionCouncil { .. } => "place_not_in_uc",
            Rule::UnknownRecord { .. } => "unknown_record",
            Rule::AlreadyStored { .. } => "already_stored",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.message_en(),
            Lang::Ur => self.message_ur(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            Rule::Required => "is required".into(),
            Rule::MustBeEmpty => "must be left empty here".into(),
            Rule::TooLong { max } => format!("must be at most {max} characters"),
            Rule::OutOfRange { min, max, value } => {
                format!("must be between {min} and {max} (got {value})")
            }
            Rule::AgeOrBirthDateRequired => "give the date of birth or the age in years".into(),
            Rule::AgeOutsideRoster { age } => {
                format!("the roster lists children aged 5 to 16; this child is {age}")
            }
            Rule::InFuture { date, today } => {
                format!("{date} is in the future (today is {today})")
            }
            Rule::NotBefore { limit, limit_field } => format!(
                "must not be before {} ({limit})",
                limit_field.label(Lang::En).to_lowercase()
            ),
            Rule::FollowUpBeforeSurvey { surveyed_on } => {
                format!("a follow-up cannot come before the child's survey on {surveyed_on}")
            }
            Rule::RequiredWhenEnrolled => "is required when the child is enrolled".into(),
            Rule::ReasonsOnlyWhenOutOfSchool => {
                "reasons out of school are only for children who are out of school".into()
            }
            Rule::RequiredWhenOtherReason => "is required when the reason is \"other\"".into(),
            Rule::OnlyWithOtherReason => "is only for the reason \"other\"".into(),
            Rule::PersonalDataWithoutConsent => {
                "must be left empty: the household gave no consent to store personal data".into()
            }
            Rule::HouseholdNumberTaken { village_code } => {
                format!("another household in village {village_code} already has this number")
            }
            Rule::ListedTwice => "is listed twice".into(),
            Rule::AnswerDoesNotFitQuestion => {
                "this answer does not fit the question (difficulty vs how often)".into()
            }
            Rule::PhoneFormat => {
                "must be a phone number of 10 to 13 digits (spaces and dashes are fine)".into()
            }
            Rule::WrongHousehold => "belongs to another household".into(),
            Rule::RetentionBeforeEnrolment => {
                "a retention check needs an earlier follow-up that enrolled the child".into()
            }
            Rule::UnknownPlace { code } => format!("no place with code {code} is known"),
            Rule::PlaceNotInUnionCouncil { uc_code } => {
                format!("this village is not in union council {uc_code}")
            }
            Rule::UnknownRecord { id } => format!("no record with id {id} is in the store"),
            Rule::AlreadyStored { id } => {
                format!("a record with id {id} is already stored; edit it instead")
            }
        }
    }

    fn message_ur(&self) -> String {
        match self {
            Rule::Required => "درج کرنا ضروری ہے".into(),
            Rule::MustBeEmpty => "یہاں خالی چھوڑیں".into(),
            Rule::TooLong { max } => format!("زیادہ سے زیادہ {max} حروف ہو سکتے ہیں"),
            Rule::OutOfRange { min, max, value } => {
                format!("{min} اور {max} کے درمیان ہونا چاہیے ({value} درج ہے)")
            }
            Rule::AgeOrBirthDateRequired => "تاریخ پیدائش یا عمر (سال) درج کریں".into(),
            Rule::AgeOutsideRoster { age } => {
                format!("فہرست میں 5 سے 16 سال کے بچے درج ہوتے ہیں؛ اس بچے کی عمر {age} ہے")
            }
            Rule::InFuture { date, today } => {
                format!("{date} آنے والی تاریخ ہے (آج {today} ہے)")
            }
            Rule::NotBefore { limit, limit_field } => format!(
                "{} ({limit}) سے پہلے نہیں ہو سکتی",
                limit_field.label(Lang::Ur)
            ),
            Rule::FollowUpBeforeSurvey { surveyed_on } => {
                format!("فالو اپ بچے کے سروے ({surveyed_on}) سے پہلے نہیں ہو سکتا")
            }
            Rule::RequiredWhenEnrolled => "داخلے کی صورت میں درج کرنا ضروری ہے".into(),
            Rule::ReasonsOnlyWhenOutOfSchool => {
                "اسکول سے باہر ہونے کی وجوہات صرف اسکول سے باہر بچوں کے لیے ہیں".into()
            }
            Rule::RequiredWhenOtherReason => "وجہ \"دیگر\" ہو تو درج کرنا ضروری ہے".into(),
            Rule::OnlyWithOtherReason => "صرف \"دیگر\" وجہ کے لیے ہے".into(),
            Rule::PersonalDataWithoutConsent => {
                "خالی چھوڑیں: گھرانے نے ذاتی معلومات محفوظ کرنے کی اجازت نہیں دی".into()
            }
            Rule::HouseholdNumberTaken { village_code } => {
                format!("گاؤں {village_code} میں یہ نمبر کسی اور گھرانے کا ہے")
            }
            Rule::ListedTwice => "دو بار درج ہے".into(),
            Rule::AnswerDoesNotFitQuestion => {
                "یہ جواب سوال سے مطابقت نہیں رکھتا (دشواری یا کتنی بار)".into()
            }
            Rule::PhoneFormat => {
                "فون نمبر 10 سے 13 ہندسوں کا ہونا چاہیے (خالی جگہ اور ڈیش چل سکتے ہیں)".into()
            }
            Rule::WrongHousehold => "کسی اور گھرانے کا ہے".into(),
            Rule::RetentionBeforeEnrolment => {
                "حاضری کی جانچ سے پہلے بچے کے داخلے کا فالو اپ ضروری ہے".into()
            }
            Rule::UnknownPlace { code } => format!("کوڈ {code} کی کوئی جگہ معلوم نہیں"),
            Rule::PlaceNotInUnionCouncil { uc_code } => {
                format!("یہ گاؤں یونین کونسل {uc_code} میں نہیں ہے")
            }
            Rule::UnknownRecord { id } => format!("شناخت {id} کا کوئی ریکارڈ موجود نہیں"),
            Rule::AlreadyStored { id } => {
                format!("شناخت {id} کا ریکارڈ پہلے سے محفوظ ہے؛ اسے ترمیم کریں")
            }
        }
    }
}

/// One broken rule at one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: FieldPath,
    pub rule: Rule,
}

impl Violation {
    pub fn new(field: FieldPath, rule: Rule) -> Self {
        Self { field, rule }
    }

    /// "children[1].age_years (Child 2 › Age in years): the roster lists ..."
    pub fn message(&self, lang: Lang) -> String {
        format!(
            "{} ({}): {}",
            self.field,
            self.field.label(lang),
            self.rule.message(lang)
        )
    }
}

impl Serialize for Violation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            field: String,
            rule: &'a str,
            message_en: String,
            message_ur: String,
        }
        Wire {
            field: self.field.to_string(),
            rule: self.rule.code(),
            message_en: self.message(Lang::En),
            message_ur: self.message(Lang::Ur),
        }
        .serialize(s)
    }
}

/// Every rule a record (or a batch of records) broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(transparent)]
pub struct Violations(pub Vec<Violation>);

impl Violations {
    pub fn message(&self, lang: Lang) -> String {
        self.0
            .iter()
            .map(|v| v.message(lang))
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn into_result(self) -> Result<(), Violations> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

/// A record that can check itself. `check` adds every violation it finds; `validate` is the
/// entry point callers use.
pub trait Validate {
    fn check(&self, at: &FieldPath, checker: &mut Checker);

    fn validate(&self, ctx: &Context) -> Result<(), Violations> {
        let mut checker = Checker::new(*ctx);
        self.check(&FieldPath::root(), &mut checker);
        checker.finish()
    }
}

/// Collects violations; holds the small rules that many records share.
pub struct Checker {
    pub ctx: Context,
    found: Vec<Violation>,
}

/// Free text longer than this is a mistake (a pasted paragraph in a name field).
pub const MAX_TEXT: usize = 200;
/// Notes, issues raised, message bodies.
pub const MAX_LONG_TEXT: usize = 2000;

impl Checker {
    pub fn new(ctx: Context) -> Self {
        Self {
            ctx,
            found: Vec::new(),
        }
    }

    pub fn push(&mut self, field: FieldPath, rule: Rule) {
        self.found.push(Violation::new(field, rule));
    }

    pub fn finish(self) -> Result<(), Violations> {
        Violations(self.found).into_result()
    }

    /// A required short text: present, not blank, not too long.
    pub fn required_text(&mut self, field: FieldPath, value: &str) {
        if value.trim().is_empty() {
            self.push(field, Rule::Required);
        } else {
            self.max_len(field, value, MAX_TEXT);
        }
    }

    pub fn optional_text(&mut self, field: FieldPath, value: Option<&str>, max: usize) {
        if let Some(value) = value {
            self.max_len(field, value, max);
        }
    }

    fn max_len(&mut self, field: FieldPath, value: &str, max: usize) {
        if value.chars().count() > max {
            self.push(field, Rule::TooLong { max });
        }
    }

    pub fn not_in_future(&mut self, field: FieldPath, date: NaiveDate) {
        if date > self.ctx.today {
            self.push(
                field,
                Rule::InFuture {
                    date,
                    today: self.ctx.today,
                },
            );
        }
    }

    /// `date` must not come before `limit`, the value of `limit_field`.
    pub fn not_before(
        &mut self,
        field: FieldPath,
        date: NaiveDate,
        limit_field: FieldPath,
        limit: NaiveDate,
    ) {
        if date < limit {
            self.push(field, Rule::NotBefore { limit, limit_field });
        }
    }

    pub fn in_range(&mut self, field: FieldPath, value: i64, min: i64, max: i64) {
        if value < min || value > max {
            self.push(field, Rule::OutOfRange { min, max, value });
        }
    }

    pub fn phone(&mut self, field: FieldPath, phone: Option<&str>) {
        let Some(phone) = phone else { return };
        // People write "0300-1234567" and "0300 1234567"; one leading + for "+92...".
        let number = phone.trim();
        let number = number.strip_prefix('+').unwrap_or(number);
        let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let ok = (10..=13).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        if !ok {
            self.push(field, Rule::PhoneFormat);
        }
    }

    /// Each value of a list at most once.
    pub fn no_repeats<T: PartialEq>(&mut self, field: &FieldPath, values: &[T]) {
        for (i, value) in values.iter().enumerate() {
            if values[..i].contains(value) {
                self.push(field.index(i), Rule::ListedTwice);
            }
        }
    }
}

/// The words a person reads for a field's key. A key missing here is shown as itself.
fn field_label(key: &str, lang: Lang) -> &str {
    let (en, ur) = match key {
        "household" => ("Household", "گھرانہ"),
        "children" => ("Child", "بچہ"),
        "id" => ("Id", "شناخت"),
        "household_id" => ("Household", "گھرانہ"),
        "child_id" => ("Child", "بچہ"),
        "school_id" => ("School", "اسکول"),
        "uc_code" => ("Union council", "یونین کونسل"),
        "village_code" => ("Village", "گاؤں"),
        "household_number" => ("Household number", "گھرانہ نمبر"),
        "landmark" => ("Landmark", "نشانی"),
        "gps" => ("GPS location", "جی پی ایس مقام"),
        "latitude" => ("Latitude", "عرض بلد"),
        "longitude" => ("Longitude", "طول بلد"),
        "accuracy_m" => ("Accuracy (m)", "درستگی (میٹر)"),
        "consent" => ("Consent", "رضامندی"),
        "respondent_name" => ("Respondent's name", "جواب دہندہ کا نام"),
        "respondent_relation" => ("Respondent's relation", "جواب دہندہ کا رشتہ"),
        "respondent_phone" => ("Respondent's phone", "جواب دہندہ کا فون"),
        "head_name" => ("Head's name", "سربراہ کا نام"),
        "head_sex" => ("Head's sex", "سربراہ کی جنس"),
        "mother_schooling" => ("Mother's schooling", "والدہ کی تعلیم"),
        "father_schooling" => ("Father's schooling", "والد کی تعلیم"),
        "house_type" => ("House type", "مکان کی قسم"),
        "members" => ("Household members", "افراد خانہ"),
        "surveyed_by" => ("Surveyed by", "سروے کنندہ"),
        "surveyed_on" => ("Survey date", "سروے کی تاریخ"),
        "name" => ("Name", "نام"),
        "sex" => ("Sex", "جنس"),
        "date_of_birth" => ("Date of birth", "تاریخ پیدائش"),
        "age_years" => ("Age in years", "عمر (سال)"),
        "relation_to_head" => ("Relation to head", "سربراہ سے رشتہ"),
        "father_name" => ("Father's name", "والد کا نام"),
        "functioning" => ("Functioning", "روزمرہ کاموں میں دشواری"),
        "schooling" => ("Schooling", "تعلیمی حیثیت"),
        "school" => ("School", "اسکول"),
        "class" => ("Class", "جماعت"),
        "last_class_passed" => ("Last class passed", "آخری پاس جماعت"),
        "year_left" => ("Year left school", "اسکول چھوڑنے کا سال"),
        "reasons_out_of_school" => ("Reasons out of school", "اسکول سے باہر ہونے کی وجوہات"),
        "other_reason" => ("Other reason", "دیگر وجہ"),
        "preferred_school" => ("Preferred school", "پسندیدہ اسکول"),
        "visited_on" => ("Visit date", "ملاقات کی تاریخ"),
        "visited_by" => ("Visited by", "ملاقات کنندہ"),
        "outcome" => ("Outcome", "نتیجہ"),
        "admitted_on" => ("Admission date", "داخلے کی تاریخ"),
        "why" => ("Why", "وجہ"),
        "days_attended_last_week" => ("Days attended last week", "پچھلے ہفتے حاضری کے دن"),
        "dropout_reasons" => ("Reasons for dropping out", "اسکول چھوڑنے کی وجوہات"),
        "notes" => ("Notes", "نوٹس"),
        "emis_code" => ("EMIS code", "ای ایم آئی ایس کوڈ"),
        "closed_reason" => ("Reason closed", "بندش کی وجہ"),
        "teachers" => ("Teachers", "اساتذہ"),
        "classrooms" => ("Classrooms", "کمرہ جماعت"),
        "enrolment" => ("Enrolment", "داخل طلبہ"),
        "toilets_usable" => ("Usable toilets", "قابل استعمال بیت الخلا"),
        "description" => ("Description", "تفصیل"),
        "identified_on" => ("Date identified", "نشاندہی کی تاریخ"),
        "raised_on" => ("Date raised", "اٹھانے کی تاریخ"),
        "promised_on" => ("Date promised", "وعدے کی تاریخ"),
        "resolved_on" => ("Date resolved", "حل ہونے کی تاریخ"),
        "phone" => ("Phone", "فون"),
        "district_code" => ("District", "ضلع"),
        "sent_on" => ("Date sent", "بھیجنے کی تاریخ"),
        "official_id" => ("Official", "افسر"),
        "body" => ("Message", "پیغام"),
        "response_on" => ("Date of response", "جواب کی تاریخ"),
        "held_on" => ("Meeting date", "میٹنگ کی تاریخ"),
        "place" => ("Place", "جگہ"),
        "fathers" => ("Fathers attending", "شریک والد"),
        "mothers" => ("Mothers attending", "شریک والدہ"),
        "issues_raised" => ("Issues raised", "اٹھائے گئے مسائل"),
        "decisions" => ("Decisions", "فیصلے"),
        "code" => ("Code", "کوڈ"),
        "parent" => ("Parent", "بالائی اکائی"),
        "en" => ("English", "انگریزی"),
        "ur" => ("Urdu", "اردو"),
        "kind" => ("Kind", "قسم"),
        "recorded_by" => ("Recorded by", "درج کنندہ"),
        "reported_by" => ("Reported by", "رپورٹ کنندہ"),
        "sent_by" => ("Sent by", "بھیجنے والا"),
        "response" => ("Response", "جواب"),
        "facilities" => ("Facilities", "سہولیات"),
        "wall_condition" => ("Wall condition", "دیوار کی حالت"),
        "provinces" => ("Province", "صوبہ"),
        "districts" => ("District", "ضلع"),
        "tehsils" => ("Tehsil", "تحصیل"),
        "union_councils" => ("Union council", "یونین کونسل"),
        "villages" => ("Village", "گاؤں"),
        // A functioning question is keyed by its domain's code: `functioning.seeing`.
        _ => match FunctioningDomain::from_code(key) {
            Some(domain) => (domain.label(Lang::En), domain.label(Lang::Ur)),
            None => (key, key),
        },
    };
    match lang {
        Lang::En => en,
        Lang::Ur => ur,
    }
}

impl Violations {
    /// The same violations, each placed at record `index` of a batch of `batch_len`
    /// records; a batch of one is just the record, and its paths stay as they are.
    pub fn in_batch(self, index: usize, batch_len: usize) -> Violations {
        if batch_len == 1 {
            return self;
        }
        Violations(
            self.0
                .into_iter()
                .map(|v| Violation::new(v.field.in_batch(index), v.rule))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_reads_as_code_and_as_words_in_both_languages() {
        let path = FieldPath::root().key("children").index(1).key("age_years");
        assert_eq!(path.to_string(), "children[1].age_years");
        assert_eq!(path.label(Lang::En), "Child 2 › Age in years");
        assert_eq!(path.label(Lang::Ur), "بچہ 2 › عمر (سال)");
    }

    #[test]
    fn a_violation_names_field_and_rule_in_both_languages() {
        let v = Violation::new(FieldPath::root().key("household_number"), Rule::Required);
        assert_eq!(
            v.message(Lang::En),
            "household_number (Household number): is required"
        );
        assert_eq!(
            v.message(Lang::Ur),
            "household_number (گھرانہ نمبر): درج کرنا ضروری ہے"
        );
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["rule"], "required");
        assert_eq!(json["field"], "household_number");
    }
}
