//! Closed lists. Each value has a stable code (what is stored and sent: never change one), an
//! English label and an Urdu label. Labels may be reworded freely; codes may not.

use crate::Lang;

/// A closed list whose values have stable codes and bilingual labels.
pub trait Coded: Copy + Eq + 'static {
    /// Every value, in the order forms show them.
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label(self, lang: Lang) -> &'static str;
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

/// Defines a closed list: `Variant = ("code", "English", "اردو")`. Values serialise as
/// their code, and an unknown code is refused with the list of codes that are allowed.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = ($code:literal, $en:literal, $ur:literal)),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $crate::codes::Coded for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            fn label(self, lang: $crate::Lang) -> &'static str {
                match lang {
                    $crate::Lang::En => match self { $($name::$variant => $en),+ },
                    $crate::Lang::Ur => match self { $($name::$variant => $ur),+ },
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::codes::Coded::code(*self))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::codes::Coded::code(*self))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                <$name as $crate::codes::Coded>::from_code(&code)
                    .ok_or_else(|| ::serde::de::Error::unknown_variant(&code, &[$($code),+]))
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum! {
    /// A child's sex as the roster records it.
    pub enum ChildSex {
        Girl = ("girl", "Girl", "لڑکی"),
        Boy = ("boy", "Boy", "لڑکا"),
        Transgender = ("transgender", "Transgender", "خواجہ سرا"),
    }
}

coded_enum! {
    /// An adult's sex (head of household).
    pub enum AdultSex {
        Woman = ("woman", "Woman", "خاتون"),
        Man = ("man", "Man", "مرد"),
        Transgender = ("transgender", "Transgender", "خواجہ سرا"),
    }
}

coded_enum! {
    /// The highest schooling a parent completed.
    pub enum ParentSchooling {
        None = ("none", "None", "کوئی نہیں"),
        Primary = ("primary", "Primary", "پرائمری"),
        Middle = ("middle", "Middle", "مڈل"),
        Matric = ("matric", "Matric", "میٹرک"),
        Higher = ("higher", "Higher", "اعلیٰ"),
    }
}

coded_enum! {
    pub enum HouseType {
        Katcha = ("katcha", "Katcha (mud)", "کچا"),
        SemiPucca = ("semi_pucca", "Semi-pucca", "نیم پکا"),
        Pucca = ("pucca", "Pucca (brick)", "پکا"),
    }
}

coded_enum! {
    /// Who answered the survey, in relation to the children.
    pub enum RespondentRelation {
        Mother = ("mother", "Mother", "والدہ"),
        Father = ("father", "Father", "والد"),
        Grandparent = ("grandparent", "Grandparent", "دادا/دادی، نانا/نانی"),
        Sibling = ("sibling", "Elder sibling", "بڑا بہن/بھائی"),
        OtherRelative = ("other_relative", "Other relative", "دیگر رشتہ دار"),
        Guardian = ("guardian", "Guardian", "سرپرست"),
    }
}

coded_enum! {
    /// A child's relation to the head of household.
    pub enum RelationToHead {
        Child = ("child", "Son or daughter", "بیٹا/بیٹی"),
        Grandchild = ("grandchild", "Grandchild", "پوتا/پوتی، نواسا/نواسی"),
        Sibling = ("sibling", "Brother or sister", "بھائی/بہن"),
        NephewNiece = ("nephew_niece", "Nephew or niece", "بھتیجا/بھتیجی، بھانجا/بھانجی"),
        OtherRelative = ("other_relative", "Other relative", "دیگر رشتہ دار"),
        NotRelated = ("not_related", "Not related", "رشتہ دار نہیں"),
    }
}

coded_enum! {
    /// The domains of the UNICEF / Washington Group Child Functioning Module (ages 5–17).
    pub enum FunctioningDomain {
        Seeing = ("seeing", "Seeing", "دیکھنا"),
        Hearing = ("hearing", "Hearing", "سننا"),
        Walking = ("walking", "Walking", "چلنا"),
        SelfCare = ("self_care", "Self-care", "اپنی دیکھ بھال"),
        Communicating = ("communicating", "Communicating", "بات سمجھنا اور سمجھانا"),
        Learning = ("learning", "Learning", "سیکھنا"),
        Remembering = ("remembering", "Remembering", "یاد رکھنا"),
        Concentrating = ("concentrating", "Concentrating", "توجہ دینا"),
        AcceptingChange = ("accepting_change", "Accepting change", "تبدیلی قبول کرنا"),
        Behaviour = ("behaviour", "Controlling behaviour", "رویے پر قابو"),
        MakingFriends = ("making_friends", "Making friends", "دوست بنانا"),
        Anxiety = ("anxiety", "Anxiety", "پریشانی"),
        Depression = ("depression", "Depression", "اداسی"),
    }
}

impl FunctioningDomain {
    /// The six domains of the Washington Group short set, which a form may offer first.
    pub const SHORT_SET: [FunctioningDomain; 6] = [
        FunctioningDomain::Seeing,
        FunctioningDomain::Hearing,
        FunctioningDomain::Walking,
        FunctioningDomain::SelfCare,
        FunctioningDomain::Communicating,
        FunctioningDomain::Remembering,
    ];

    /// Anxiety and depression are asked as "how often", the others as "how difficult".
    pub fn asks_frequency(self) -> bool {
        matches!(
            self,
            FunctioningDomain::Anxiety | FunctioningDomain::Depression
        )
    }
}

coded_enum! {
    /// An answer to one functioning question: a degree of difficulty, or (for anxiety and
    /// depression) how often.
    pub enum FunctioningAnswer {
        NoDifficulty = ("no_difficulty", "No difficulty", "کوئی دشواری نہیں"),
        SomeDifficulty = ("some_difficulty", "Some difficulty", "کچھ دشواری"),
        ALotOfDifficulty = ("a_lot_of_difficulty", "A lot of difficulty", "بہت دشواری"),
        CannotDoAtAll = ("cannot_do_at_all", "Cannot do at all", "بالکل نہیں کر سکتا"),
        Daily = ("daily", "Daily", "روزانہ"),
        Weekly = ("weekly", "Weekly", "ہفتہ وار"),
        Monthly = ("monthly", "Monthly", "ماہانہ"),
        FewTimesAYear = ("few_times_a_year", "A few times a year", "سال میں چند بار"),
        Never = ("never", "Never", "کبھی نہیں"),
    }
}

impl FunctioningAnswer {
    pub fn is_frequency(self) -> bool {
        matches!(
            self,
            FunctioningAnswer::Daily
                | FunctioningAnswer::Weekly
                | FunctioningAnswer::Monthly
                | FunctioningAnswer::FewTimesAYear
                | FunctioningAnswer::Never
        )
    }
}

coded_enum! {
    /// Why a child is out of school. Several may apply.
    pub enum ReasonOutOfSchool {
        Cost = ("cost", "Cost / poverty", "اخراجات / غربت"),
        ChildWorks = ("child_works", "Child works", "بچہ کام کرتا ہے"),
        HouseholdChores = ("household_chores", "Household chores", "گھریلو کام کاج"),
        SchoolTooFar = ("school_too_far", "School too far", "اسکول بہت دور ہے"),
        NoGirlsSchool = ("no_girls_school", "No girls' school or female teacher", "لڑکیوں کا اسکول یا استانی نہیں"),
        SchoolClosed = ("school_closed", "School closed or no teacher", "اسکول بند یا استاد نہیں"),
        NoValueSeen = ("no_value_seen", "Parents see no value", "والدین تعلیم کو اہم نہیں سمجھتے"),
        Disability = ("disability", "Disability", "معذوری"),
        EarlyMarriage = ("early_marriage", "Early marriage", "کم عمری کی شادی"),
        Insecurity = ("insecurity", "Insecurity", "عدم تحفظ"),
        Migration = ("migration", "Migration", "نقل مکانی"),
        NoBirthRegistration = ("no_birth_registration", "No birth registration (B-form)", "ب فارم نہیں"),
        PoorTeaching = ("poor_teaching", "Poor teaching or corporal punishment", "ناقص تدریس یا جسمانی سزا"),
        Illness = ("illness", "Illness", "بیماری"),
        Other = ("other", "Other", "دیگر"),
    }
}

coded_enum! {
    /// Where a child stands with school, as surveyed.
    pub enum SchoolingStatus {
        Enrolled = ("enrolled", "Enrolled", "داخل"),
        DroppedOut = ("dropped_out", "Dropped out", "اسکول چھوڑ دیا"),
        NeverEnrolled = ("never_enrolled", "Never enrolled", "کبھی داخل نہیں ہوا"),
    }
}

coded_enum! {
    /// What a follow-up visit found.
    pub enum OutcomeKind {
        Enrolled = ("enrolled", "Enrolled", "داخلہ ہو گیا"),
        AdmissionPending = ("admission_pending", "Admission pending", "داخلہ زیر التوا"),
        Refused = ("refused", "Refused", "انکار"),
        MovedAway = ("moved_away", "Moved away", "نقل مکانی کر گئے"),
        ChildWorking = ("child_working", "Child working", "بچہ کام پر ہے"),
        NotFound = ("not_found", "Not found", "نہیں ملے"),
        RetentionCheck = ("retention_check", "Retention check", "حاضری کی جانچ"),
    }
}

coded_enum! {
    /// When a retention check is due after enrolment.
    pub enum RetentionMilestone {
        OneMonth = ("1_month", "1 month", "1 مہینہ"),
        ThreeMonths = ("3_months", "3 months", "3 مہینے"),
        SixMonths = ("6_months", "6 months", "6 مہینے"),
    }
}

impl RetentionMilestone {
    pub fn months(self) -> u32 {
        match self {
            RetentionMilestone::OneMonth => 1,
            RetentionMilestone::ThreeMonths => 3,
            RetentionMilestone::SixMonths => 6,
        }
    }
}

coded_enum! {
    pub enum SchoolLevel {
        Primary = ("primary", "Primary", "پرائمری"),
        Middle = ("middle", "Middle", "مڈل"),
        High = ("high", "High", "ہائی"),
        HigherSecondary = ("higher_secondary", "Higher secondary", "ہائر سیکنڈری"),
    }
}

coded_enum! {
    /// Whom a school admits.
    pub enum SchoolGender {
        Girls = ("girls", "Girls", "لڑکیاں"),
        Boys = ("boys", "Boys", "لڑکے"),
        Mixed = ("mixed", "Mixed", "مخلوط"),
    }
}

coded_enum! {
    pub enum BoundaryWall {
        None = ("none", "None", "کوئی نہیں"),
        Under6Ft = ("under_6ft", "Under 6 ft", "6 فٹ سے کم"),
        SixFtOrMore = ("6ft_or_more", "6 ft or more", "6 فٹ یا زیادہ"),
    }
}

coded_enum! {
    pub enum WallCondition {
        Complete = ("complete", "Complete", "مکمل"),
        Incomplete = ("incomplete", "Incomplete", "نامکمل"),
        NeedsRepair = ("needs_repair", "Needs repair", "مرمت طلب"),
    }
}

coded_enum! {
    pub enum WaterSource {
        None = ("none", "None", "کوئی نہیں"),
        HandPump = ("hand_pump", "Hand pump", "ہینڈ پمپ"),
        MotorPump = ("motor_pump", "Motor pump", "موٹر پمپ"),
        Tap = ("tap", "Tap / piped", "نلکا"),
        Well = ("well", "Well", "کنواں"),
        Other = ("other", "Other", "دیگر"),
    }
}

coded_enum! {
    pub enum Electricity {
        Functional = ("functional", "Functional", "چالو"),
        Partial = ("partial", "Partial", "جزوی"),
        None = ("none", "None", "نہیں"),
    }
}

coded_enum! {
    pub enum BuildingCondition {
        Good = ("good", "Good", "اچھی"),
        NeedsRepair = ("needs_repair", "Needs repair", "مرمت طلب"),
        Dangerous = ("dangerous", "Dangerous", "خطرناک"),
        NoBuilding = ("no_building", "No building", "عمارت نہیں"),
    }
}

coded_enum! {
    /// What a school needs.
    pub enum NeedCategory {
        BoundaryWall = ("boundary_wall", "Boundary wall", "چار دیواری"),
        Latrines = ("latrines", "Latrines", "بیت الخلا"),
        DrinkingWater = ("drinking_water", "Drinking water", "پینے کا پانی"),
        Electricity = ("electricity", "Electricity", "بجلی"),
        Furniture = ("furniture", "Furniture", "فرنیچر"),
        Classrooms = ("classrooms", "Classrooms", "کمرہ جماعت"),
        BuildingRepair = ("building_repair", "Repair of building", "عمارت کی مرمت"),
        ReopenSchool = ("reopen_school", "Reopen closed school", "بند اسکول کھلوانا"),
        MissingTeacher = ("missing_teacher", "Missing teacher", "استاد کی کمی"),
        Other = ("other", "Other", "دیگر"),
    }
}

coded_enum! {
    pub enum Severity {
        Low = ("low", "Low", "کم"),
        Medium = ("medium", "Medium", "درمیانی"),
        High = ("high", "High", "زیادہ"),
        Urgent = ("urgent", "Urgent", "فوری"),
    }
}

coded_enum! {
    /// The lifecycle of an infrastructure need, in order.
    pub enum NeedStatus {
        Identified = ("identified", "Identified", "نشاندہی"),
        Raised = ("raised", "Raised with an official", "افسر کے سامنے اٹھایا"),
        Promised = ("promised", "Promised", "وعدہ کیا گیا"),
        Resolved = ("resolved", "Resolved", "حل ہو گیا"),
    }
}

coded_enum! {
    pub enum OfficialRole {
        Mna = ("mna", "MNA", "ایم این اے"),
        Mpa = ("mpa", "MPA", "ایم پی اے"),
        DeputyCommissioner = ("deputy_commissioner", "Deputy Commissioner", "ڈپٹی کمشنر"),
        DistrictEducationOfficer = ("district_education_officer", "District Education Officer", "ڈسٹرکٹ ایجوکیشن آفیسر"),
        Other = ("other", "Other", "دیگر"),
    }
}

coded_enum! {
    pub enum Channel {
        Sms = ("sms", "SMS", "ایس ایم ایس"),
        WhatsApp = ("whatsapp", "WhatsApp", "واٹس ایپ"),
        Letter = ("letter", "Letter", "خط"),
        Meeting = ("meeting", "In person", "ملاقات"),
        Call = ("call", "Phone call", "فون کال"),
    }
}

coded_enum! {
    pub enum MeetingKind {
        ParentUnion = ("parent_union", "Parent union", "والدین کی تنظیم"),
        ParentTeacher = ("parent_teacher", "Parent-teacher meeting", "والدین اور اساتذہ کی میٹنگ"),
        OpenCourt = ("open_court", "Open court with officials", "کھلی کچہری"),
        Other = ("other", "Other", "دیگر"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes_are_unique_and_labelled<T>()
    where
        T: Coded + std::fmt::Debug + serde::Serialize + serde::de::DeserializeOwned,
    {
        let mut seen = std::collections::HashSet::new();
        for value in T::ALL {
            assert!(seen.insert(value.code()), "{value:?}: code used twice");
            assert_eq!(T::from_code(value.code()), Some(*value));
            for lang in Lang::ALL {
                assert!(
                    !value.label(lang).trim().is_empty(),
                    "{value:?} has no {lang:?} label"
                );
            }
            let json = serde_json::to_string(value).unwrap();
            assert_eq!(json, format!("\"{}\"", value.code()));
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *value);
        }
    }

    #[test]
    fn every_closed_list_has_unique_codes_and_both_labels() {
        codes_are_unique_and_labelled::<ChildSex>();
        codes_are_unique_and_labelled::<AdultSex>();
        codes_are_unique_and_labelled::<ParentSchooling>();
        codes_are_unique_and_labelled::<HouseType>();
        codes_are_unique_and_labelled::<RespondentRelation>();
        codes_are_unique_and_labelled::<RelationToHead>();
        codes_are_unique_and_labelled::<FunctioningDomain>();
        codes_are_unique_and_labelled::<FunctioningAnswer>();
        codes_are_unique_and_labelled::<ReasonOutOfSchool>();
        codes_are_unique_and_labelled::<SchoolingStatus>();
        codes_are_unique_and_labelled::<OutcomeKind>();
        codes_are_unique_and_labelled::<RetentionMilestone>();
        codes_are_unique_and_labelled::<SchoolLevel>();
        codes_are_unique_and_labelled::<SchoolGender>();
        codes_are_unique_and_labelled::<BoundaryWall>();
        codes_are_unique_and_labelled::<WallCondition>();
        codes_are_unique_and_labelled::<WaterSource>();
        codes_are_unique_and_labelled::<Electricity>();
        codes_are_unique_and_labelled::<BuildingCondition>();
        codes_are_unique_and_labelled::<NeedCategory>();
        codes_are_unique_and_labelled::<Severity>();
        codes_are_unique_and_labelled::<NeedStatus>();
        codes_are_unique_and_labelled::<OfficialRole>();
        codes_are_unique_and_labelled::<Channel>();
        codes_are_unique_and_labelled::<MeetingKind>();
    }

    #[test]
    fn an_unknown_code_is_refused_with_the_allowed_ones() {
        let err = serde_json::from_str::<ChildSex>("\"female\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("female") && err.contains("girl") && err.contains("boy"),
            "{err}"
        );
    }
}
