//! Household surveys: who lives where, and which of their children are out of school, why.

use crate::names::{self, People, Region};
use crate::places::{self, plain_name};
use crate::rng::Rng;
use crate::{DemoOptions, uuid_at, visit_millis};
use chrono::{Datelike, Days, Months, NaiveDate};
use daakhla_domain::child::{Child, Class, ROSTER_AGES, SchoolRef, Schooling, age_in_years};
use daakhla_domain::codes::{
    AdultSex, ChildSex, FunctioningAnswer, FunctioningDomain, HouseType, ParentSchooling,
    ReasonOutOfSchool, RelationToHead, RespondentRelation,
};
use daakhla_domain::geography::{Geography, Place};
use daakhla_domain::household::{GpsFix, Household, HouseholdSurvey};
use daakhla_domain::ids::{ChildId, HouseholdId};
use std::collections::BTreeMap;

/// What every household of one village shares.
struct Village<'a> {
    place: &'a Place,
    /// The village's name as people say it, for its schools.
    name: &'a str,
    region: Region,
    tharparkar: bool,
    /// The resource persons who survey it.
    crps: [&'static str; 2],
    /// The survey of a village takes a month; villages start at different times.
    window_start: NaiveDate,
    centre: (f64, f64),
}

impl<'a> Village<'a> {
    fn new(place: &'a Place, options: &DemoOptions) -> Village<'a> {
        let mut rng = Rng::keyed(options.seed, format!("village {}", place.code).as_bytes());
        let first = rng.below(names::CRPS.len() as u64) as usize;
        let second =
            (first + 1 + rng.below(names::CRPS.len() as u64 - 1) as usize) % names::CRPS.len();
        Village {
            place,
            name: plain_name(&place.name.en),
            region: places::region_of(&place.code),
            tharparkar: places::is_tharparkar(&place.code),
            crps: [names::CRPS[first], names::CRPS[second]],
            window_start: options.today - Days::new(89) + Days::new(rng.below(61)),
            centre: places::village_centre(&place.code),
        }
    }
}

/// `households` surveys dealt out over the villages of `geo` in turn (none if it has no
/// villages). The k-th household of a village gets number `first_household_number + k`, so
/// numbers are unique in each village, and a later call whose `first_household_number` is
/// above every number in use adds households without reusing one. Each household is made
/// from the seed, its village and its number only: the same three always give the same
/// survey, ids included, and different ones never share an id.
pub fn demo_surveys(
    geo: &Geography,
    households: usize,
    options: &DemoOptions,
) -> Vec<HouseholdSurvey> {
    let villages: Vec<Village> = geo
        .villages
        .iter()
        .map(|place| Village::new(place, options))
        .collect();
    if villages.is_empty() {
        return Vec::new();
    }
    (0..households)
        .map(|i| {
            let village = &villages[i % villages.len()];
            let number = u64::from(options.first_household_number) + (i / villages.len()) as u64;
            demo_survey(village, number, options)
        })
        .collect()
}

/// Picks names for one household: a Hindu family's from their own list, others from the
/// region's and the country's.
struct Namer {
    own: &'static People,
    common: Option<&'static People>,
}

impl Namer {
    fn pick(&self, rng: &mut Rng, list: fn(&People) -> &'static [&'static str]) -> String {
        let people = match self.common {
            Some(common) if rng.chance(0.5) => common,
            _ => self.own,
        };
        rng.pick(list(people)).to_string()
    }
    fn man(&self, rng: &mut Rng) -> String {
        self.pick(rng, |p| p.men)
    }
    fn woman(&self, rng: &mut Rng) -> String {
        self.pick(rng, |p| p.women)
    }
    fn child(&self, rng: &mut Rng, sex: ChildSex) -> String {
        let girl = match sex {
            ChildSex::Girl => true,
            ChildSex::Boy => false,
            ChildSex::Transgender => rng.chance(0.5),
        };
        if girl {
            self.pick(rng, |p| p.girls)
        } else {
            self.pick(rng, |p| p.boys)
        }
    }
}

/// Poorer regions: less schooling, more mud houses, more children out of school.
fn better_off(region: Region) -> bool {
    matches!(region, Region::Punjab | Region::Hazara)
}

fn demo_survey(village: &Village, number: u64, options: &DemoOptions) -> HouseholdSurvey {
    let key = format!("household {}#{number}", village.place.code);
    let mut rng = Rng::keyed(options.seed, key.as_bytes());
    let rng = &mut rng;
    let surveyed_on = (village.window_start + Days::new(rng.below(30))).min(options.today);
    let millis = visit_millis(rng, surveyed_on);
    let id = HouseholdId(uuid_at(rng, millis));
    let consent = !rng.chance(0.04);
    let mut household = Household {
        id,
        uc_code: village.place.parent.clone().unwrap_or_default(),
        village_code: village.place.code.clone(),
        household_number: number.to_string(),
        landmark: rng
            .chance(0.55)
            .then(|| rng.pick(names::LANDMARKS).to_string()),
        consent,
        gps: None,
        respondent_name: None,
        respondent_relation: None,
        respondent_phone: None,
        head_name: None,
        head_sex: None,
        mother_schooling: None,
        father_schooling: None,
        house_type: None,
        members: None,
        surveyed_by: format!("{} (CRP)", rng.pick(&village.crps)),
        surveyed_on,
        deleted: false,
        merged_into: None,
    };
    if !consent {
        // Only the visit itself may be kept: where, when, by whom.
        return HouseholdSurvey {
            household,
            children: Vec::new(),
        };
    }

    let namer = if village.tharparkar && rng.chance(0.4) {
        Namer {
            own: &names::THARI_HINDU,
            common: None,
        }
    } else {
        Namer {
            own: names::regional(village.region),
            common: Some(&names::COMMON),
        }
    };
    // A widow, or a wife whose husband works in the Gulf or a city.
    let woman_headed = rng.chance(0.09);
    let father = namer.man(rng);
    let mother = namer.woman(rng);
    // The father of grandchildren and nephews: the head's son or brother.
    let other_father = namer.man(rng);
    let (head, head_sex) = if woman_headed {
        (mother.clone(), AdultSex::Woman)
    } else {
        (father.clone(), AdultSex::Man)
    };
    household.head_name = Some(head);
    household.head_sex = Some(head_sex);

    let mut relation = rng.weighted(&[
        (RespondentRelation::Mother, 55),
        (RespondentRelation::Father, 28),
        (RespondentRelation::Grandparent, 8),
        (RespondentRelation::OtherRelative, 4),
        (RespondentRelation::Sibling, 3),
        (RespondentRelation::Guardian, 2),
    ]);
    if woman_headed && relation == RespondentRelation::Father {
        relation = RespondentRelation::Mother;
    }
    let respondent = match relation {
        RespondentRelation::Mother => mother.clone(),
        RespondentRelation::Father => father.clone(),
        RespondentRelation::Sibling => namer.child(rng, ChildSex::Transgender),
        _ if rng.chance(0.5) => namer.man(rng),
        _ => namer.woman(rng),
    };
    household.respondent_relation = Some(relation);
    household.respondent_name = rng.chance(0.95).then_some(respondent);
    household.respondent_phone = rng.chance(0.55).then(|| {
        // Mobile numbers: 03 + network code + 7 digits.
        format!(
            "03{}{}{:07}",
            rng.below(5),
            rng.below(10),
            rng.below(10_000_000)
        )
    });

    let better_off = better_off(village.region);
    let schooling = |rng: &mut Rng, weights: [u32; 5]| {
        rng.weighted(&[
            (ParentSchooling::None, weights[0]),
            (ParentSchooling::Primary, weights[1]),
            (ParentSchooling::Middle, weights[2]),
            (ParentSchooling::Matric, weights[3]),
            (ParentSchooling::Higher, weights[4]),
        ])
    };
    household.mother_schooling = Some(if better_off {
        schooling(rng, [52, 20, 12, 11, 5])
    } else {
        schooling(rng, [75, 12, 6, 5, 2])
    });
    household.father_schooling = Some(if better_off {
        schooling(rng, [28, 24, 19, 21, 8])
    } else {
        schooling(rng, [45, 22, 13, 15, 5])
    });
    household.house_type = Some(if better_off {
        rng.weighted(&[
            (HouseType::Katcha, 35),
            (HouseType::SemiPucca, 35),
            (HouseType::Pucca, 30),
        ])
    } else {
        rng.weighted(&[
            (HouseType::Katcha, 60),
            (HouseType::SemiPucca, 28),
            (HouseType::Pucca, 12),
        ])
    });

    // 0 to 5 children aged 5–16, three on average.
    let count = rng.weighted(&[(0usize, 6), (1, 10), (2, 18), (3, 26), (4, 22), (5, 18)]);
    let adults = rng.between(2, 4) as usize;
    let younger_and_older = rng.between(0, 2) as usize + rng.between(0, 2) as usize;
    household.members = Some((count + adults + younger_and_older) as u16);
    if rng.chance(0.7) {
        let (lat, lon) = village.centre;
        household.gps = Some(GpsFix {
            latitude: lat + rng.float(-0.004, 0.004),
            longitude: lon + rng.float(-0.004, 0.004),
            accuracy_m: Some(rng.float(3.0, 40.0).round()),
        });
    }

    let family = Family {
        village,
        namer: &namer,
        father: &father,
        other_father: &other_father,
        household_id: household.id,
        surveyed_on,
    };
    let mut child_millis = millis;
    let mut children: Vec<Child> = Vec::with_capacity(count);
    for _ in 0..count {
        // Each child's row takes the resource person a minute or so.
        child_millis += 20_000 + rng.below(70_000);
        let id = ChildId(uuid_at(rng, child_millis));
        let child = demo_child(rng, id, &family, &children);
        children.push(child);
    }
    HouseholdSurvey {
        household,
        children,
    }
}

/// What a child's row takes from its household.
struct Family<'a> {
    village: &'a Village<'a>,
    namer: &'a Namer,
    father: &'a str,
    /// The father of grandchildren and nephews.
    other_father: &'a str,
    household_id: HouseholdId,
    surveyed_on: NaiveDate,
}

/// One child of `family`, named unlike the `siblings` listed before.
fn demo_child(rng: &mut Rng, id: ChildId, family: &Family, siblings: &[Child]) -> Child {
    let Family {
        village,
        namer,
        surveyed_on,
        ..
    } = *family;
    let sex = if rng.below(1000) < 3 {
        ChildSex::Transgender
    } else if rng.chance(0.5) {
        ChildSex::Girl
    } else {
        ChildSex::Boy
    };
    let mut name = namer.child(rng, sex);
    // Even from the shortest list (seven names) 32 more tries all but rule out a repeat.
    for _ in 0..32 {
        if siblings.iter().all(|s| s.name != name) {
            break;
        }
        name = namer.child(rng, sex);
    }
    let mut age = rng.between(*ROSTER_AGES.start(), *ROSTER_AGES.end());
    // A third of children have a B-form, so their date of birth is known.
    let date_of_birth = rng
        .chance(0.35)
        .then(|| surveyed_on - Months::new(12 * age as u32) - Days::new(rng.below(365)))
        .filter(|born| ROSTER_AGES.contains(&age_in_years(*born, surveyed_on)));
    if let Some(born) = date_of_birth {
        age = age_in_years(born, surveyed_on);
    }
    let relation_to_head = rng.weighted(&[
        (RelationToHead::Child, 85),
        (RelationToHead::Grandchild, 8),
        (RelationToHead::NephewNiece, 5),
        (RelationToHead::OtherRelative, 2),
    ]);
    let father_name = match relation_to_head {
        RelationToHead::Child => family.father,
        _ => family.other_father,
    };

    let functioning = demo_functioning(rng);
    let disabled = functioning.values().any(|a| {
        matches!(
            a,
            FunctioningAnswer::ALotOfDifficulty | FunctioningAnswer::CannotDoAtAll
        )
    });

    let (schooling, reasons) = if rng.chance(out_of_school_odds(village.region, sex, age, disabled))
    {
        let dropped_odds = match age {
            ..=6 => 0.0,
            7 => 0.15,
            8..=10 => 0.4,
            _ => 0.6,
        };
        let schooling = if rng.chance(dropped_odds) {
            let years_since = rng.between(0, (age - 7).min(3));
            let age_when_left = age - years_since;
            Schooling::DroppedOut {
                last_class_passed: rng
                    .chance(0.85)
                    .then(|| Class(rng.between(0, (age_when_left - 6).clamp(0, 10)) as u8)),
                year_left: rng
                    .chance(0.8)
                    .then(|| surveyed_on.year() - years_since as i32),
            }
        } else {
            Schooling::NeverEnrolled
        };
        let reasons = demo_reasons(rng, village.region, sex, age, &schooling, disabled);
        (schooling, reasons)
    } else {
        let over_age = rng.weighted(&[(0, 60), (1, 30), (2, 10)]);
        let class = Class((age - 5 - over_age).clamp(0, 12) as u8);
        let school = if rng.chance(0.12) {
            rng.pick(names::PRIVATE_SCHOOLS).to_string()
        } else {
            government_school(sex, &[], class, village.name)
        };
        let schooling = Schooling::Enrolled {
            school: rng.chance(0.9).then_some(SchoolRef {
                id: None,
                name: school,
            }),
            class: rng.chance(0.95).then_some(class),
        };
        (schooling, Vec::new())
    };

    let out_of_school = schooling.is_out_of_school();
    let willing_to_enrol = (out_of_school && rng.chance(0.9)).then(|| rng.chance(0.75));
    let preferred_school = (willing_to_enrol == Some(true) && rng.chance(0.6)).then(|| SchoolRef {
        id: None,
        name: government_school(sex, &reasons, class_to_join(&schooling, age), village.name),
    });
    let other_reason = reasons
        .contains(&ReasonOutOfSchool::Other)
        .then(|| rng.pick(names::OTHER_REASONS).to_string());
    Child {
        id,
        household_id: family.household_id,
        name,
        sex,
        date_of_birth,
        age_years: date_of_birth.is_none().then_some(age as u8),
        relation_to_head: Some(relation_to_head),
        father_name: Some(father_name.to_string()),
        functioning,
        schooling,
        reasons_out_of_school: reasons,
        other_reason,
        willing_to_enrol,
        preferred_school,
        deleted: false,
    }
}

/// The chance a child is out of school: about four in ten overall, more for girls, for
/// five-year-olds not yet admitted, for teenagers past primary, in Sindh and Balochistan,
/// and for children with a disability.
fn out_of_school_odds(region: Region, sex: ChildSex, age: i64, disabled: bool) -> f64 {
    let base: f64 = match region {
        Region::Hazara => 0.24,
        Region::Punjab => 0.28,
        Region::Pashtun => 0.36,
        Region::Sindh => 0.42,
        Region::BalochPlains => 0.55,
    };
    let by_sex = match sex {
        ChildSex::Girl => 0.05,
        ChildSex::Boy => -0.04,
        ChildSex::Transgender => 0.25,
    };
    let by_age = match age {
        5 => 0.15,
        6 => 0.05,
        13.. => 0.08,
        _ => 0.0,
    };
    let by_disability = if disabled { 0.3 } else { 0.0 };
    (base + by_sex + by_age + by_disability).clamp(0.05, 0.95)
}

/// The Washington Group short set for a third of children, the whole module for a few.
fn demo_functioning(rng: &mut Rng) -> BTreeMap<FunctioningDomain, FunctioningAnswer> {
    use FunctioningAnswer::*;
    let domains: &[FunctioningDomain] = match rng.below(100) {
        0..=34 => &FunctioningDomain::SHORT_SET,
        35..=39 => <FunctioningDomain as daakhla_domain::codes::Coded>::ALL,
        _ => &[],
    };
    domains
        .iter()
        .map(|&domain| {
            let answer = if domain.asks_frequency() {
                rng.weighted(&[
                    (Never, 600),
                    (FewTimesAYear, 250),
                    (Monthly, 80),
                    (Weekly, 50),
                    (Daily, 20),
                ])
            } else {
                rng.weighted(&[
                    (NoDifficulty, 947),
                    (SomeDifficulty, 40),
                    (ALotOfDifficulty, 10),
                    (CannotDoAtAll, 3),
                ])
            };
            (domain, answer)
        })
        .collect()
}

/// One to three reasons, weighted as campaigns report them: cost first; work for older
/// boys; chores, no girls' school and early marriage for older girls; distance and closed
/// schools in the poorer regions; a missing B-form for the youngest.
fn demo_reasons(
    rng: &mut Rng,
    region: Region,
    sex: ChildSex,
    age: i64,
    schooling: &Schooling,
    disabled: bool,
) -> Vec<ReasonOutOfSchool> {
    use ReasonOutOfSchool::*;
    let poor = !better_off(region);
    let older = age >= 10;
    let girl = sex != ChildSex::Boy;
    let dropped = matches!(schooling, Schooling::DroppedOut { .. });
    let mut weights: Vec<(ReasonOutOfSchool, u32)> = vec![
        (Cost, 30),
        (SchoolTooFar, if poor { 22 } else { 14 }),
        (NoValueSeen, 12),
        (
            NoBirthRegistration,
            if age <= 7 && !dropped { 16 } else { 5 },
        ),
        (Illness, 4),
        (
            Migration,
            if matches!(region, Region::Sindh | Region::BalochPlains) {
                9
            } else {
                3
            },
        ),
        (PoorTeaching, if dropped { 12 } else { 4 }),
        (SchoolClosed, if poor { 10 } else { 5 }),
        (
            Insecurity,
            match (region, girl) {
                (Region::Pashtun | Region::BalochPlains, true) => 7,
                (Region::Pashtun | Region::BalochPlains, false) => 4,
                _ => 1,
            },
        ),
        (Disability, if disabled { 0 } else { 1 }),
        (
            ChildWorks,
            if girl {
                2
            } else if older {
                30
            } else {
                6
            },
        ),
        (
            HouseholdChores,
            if !girl {
                2
            } else if older {
                22
            } else {
                8
            },
        ),
        (
            NoGirlsSchool,
            if !girl {
                0
            } else if older {
                22
            } else {
                10
            },
        ),
        (EarlyMarriage, if girl && age >= 13 { 9 } else { 0 }),
    ];
    let count = rng.weighted(&[(1, 55), (2, 30), (3, 15)]);
    let mut reasons = Vec::with_capacity(count);
    if disabled && rng.chance(0.8) {
        reasons.push(Disability);
    }
    while reasons.len() < count {
        let reason = rng.weighted(&weights);
        weights.retain(|&(r, _)| r != reason);
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    if rng.chance(0.015) {
        reasons.push(Other);
    }
    reasons
}

/// A government school's name as people write it: GPS, GMS, GHS, GHSS for boys (and mixed
/// primaries), GGPS, GGMS, GGHS, GGHSS for girls; then the place. A girl whose family says
/// there is no girls' school goes to the boys' (mixed) one.
pub(crate) fn government_school(
    sex: ChildSex,
    reasons: &[ReasonOutOfSchool],
    class: Class,
    place: &str,
) -> String {
    let level = match class.0 {
        0..=5 => "P",
        6..=8 => "M",
        9..=10 => "H",
        _ => "HS",
    };
    let girls_school =
        sex == ChildSex::Girl && !reasons.contains(&ReasonOutOfSchool::NoGirlsSchool);
    let girls = if girls_school { "G" } else { "" };
    format!("G{girls}{level}S {place}")
}

/// The class an out-of-school child would join: katchi or class 1 for those who never went
/// (older ones are placed a little higher), the class after the last one passed for those
/// who dropped out.
pub(crate) fn class_to_join(schooling: &Schooling, age: i64) -> Class {
    let class = match schooling {
        Schooling::DroppedOut {
            last_class_passed: Some(passed),
            ..
        } => passed.0 + 1,
        _ => match age {
            ..=5 => 0,
            6..=9 => 1,
            10..=12 => 2,
            _ => 3,
        },
    };
    Class(class.min(Class::HIGHEST))
}
