use crate::*;
use daakhla_domain::child::Child;
use daakhla_domain::codes::{ChildSex, OutcomeKind, ReasonOutOfSchool};
use daakhla_domain::followup::{FollowUp, Outcome};
use daakhla_domain::geography::{Geography, Level};
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::lifecycle::child_facts;
use daakhla_domain::validation::{Checker, Context, FieldPath, Validate};
use std::collections::{BTreeMap, HashMap, HashSet};

use daakhla_domain::geography::REFERENCE_JSON as REFERENCE;

fn reference() -> Geography {
    serde_json::from_str(REFERENCE).expect("the reference geography parses")
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn ctx() -> Context {
    Context { today: today() }
}

/// JSON text of anything serialisable (the crate itself does not depend on serde).
macro_rules! json {
    ($value:expr) => {
        serde_json::to_string($value).unwrap()
    };
}

/// The reference and the demo places in one file.
fn with_reference(demo: &Geography) -> Geography {
    let reference = reference();
    Geography {
        provinces: reference.provinces,
        districts: reference.districts,
        ..demo.clone()
    }
}

#[test]
fn the_reference_file_holds_the_4_provinces_and_14_campaign_districts() {
    let geo = reference();
    geo.validate(&ctx()).unwrap();
    assert!(geo.source.contains("not PBS"), "{}", geo.source);
    let provinces: Vec<_> = geo.provinces.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(provinces, ["PB", "SD", "BL", "KP"]);
    let districts: BTreeMap<&str, Vec<&str>> =
        geo.districts.iter().fold(BTreeMap::new(), |mut by, d| {
            by.entry(d.parent.as_deref().unwrap())
                .or_default()
                .push(d.name.en.as_str());
            by
        });
    assert_eq!(
        districts,
        BTreeMap::from([
            (
                "PB",
                vec!["Bahawalnagar", "Bahawalpur", "Dera Ghazi Khan", "Rajanpur"]
            ),
            ("SD", vec!["Thatta", "Jamshoro", "Tharparkar"]),
            ("BL", vec!["Jaffarabad", "Pishin"]),
            (
                "KP",
                vec!["Battagram", "Haripur", "Mansehra", "Swabi", "Swat"]
            ),
        ])
    );
    for (_, place) in geo.places() {
        assert!(!place.demo);
        let parent = place.parent.as_deref().unwrap_or(&place.code);
        assert!(place.code.starts_with(parent), "{}", place.code);
        assert!(
            place
                .name
                .ur
                .chars()
                .all(|c| c == ' ' || ('\u{0600}'..='\u{06FF}').contains(&c)),
            "{}: {}",
            place.code,
            place.name.ur
        );
    }
    assert!(geo.tehsils.is_empty() && geo.union_councils.is_empty() && geo.villages.is_empty());
}

#[test]
fn demo_places_are_labelled_and_hang_under_the_reference() {
    let reference = reference();
    let demo = demo_geography(&reference, 2, 3);
    assert_eq!(demo.union_councils.len(), 28);
    assert_eq!(demo.villages.len(), 84);
    assert!(demo.provinces.is_empty() && demo.districts.is_empty());

    // Every parent exists, whether the reference comes in the same file or is already stored.
    with_reference(&demo).validate(&ctx()).unwrap();
    let known: HashMap<String, Level> = reference
        .places()
        .map(|(level, p)| (p.code.clone(), level))
        .collect();
    let mut checker = Checker::new(ctx());
    demo.check_with(&known, &FieldPath::root(), &mut checker);
    checker.finish().unwrap();

    for (_, place) in demo.places() {
        assert!(place.demo, "{}", place.code);
        assert!(place.name.en.ends_with(" (demo)"), "{}", place.name.en);
        assert!(place.name.ur.ends_with(" (نمونہ)"), "{}", place.name.ur);
        assert!(place.code.starts_with(place.parent.as_deref().unwrap()));
    }
    // One or two tehsils a district, and both kinds occur.
    let mut tehsils_per_district: HashMap<&str, usize> = HashMap::new();
    for tehsil in &demo.tehsils {
        *tehsils_per_district
            .entry(tehsil.parent.as_deref().unwrap())
            .or_default() += 1;
    }
    assert_eq!(tehsils_per_district.len(), 14);
    let counts: HashSet<usize> = tehsils_per_district.values().copied().collect();
    assert_eq!(counts, HashSet::from([1, 2]));
    // Village names differ within a district.
    let mut names = HashSet::new();
    for village in &demo.villages {
        assert!(
            names.insert((&village.code[..6], &village.name.en)),
            "{village:?}"
        );
    }
    let codes: HashSet<&str> = demo.places().map(|(_, p)| p.code.as_str()).collect();
    assert!(codes.contains("PB-BWN-T1-UC01-V1"), "{codes:?}");
}

#[test]
fn demo_places_are_the_same_every_time_and_grow_without_renaming() {
    let reference = reference();
    let small = demo_geography(&reference, 2, 3);
    assert_eq!(json!(&small), json!(&demo_geography(&reference, 2, 3)));
    let large = demo_geography(&reference, 5, 3);
    with_reference(&large).validate(&ctx()).unwrap();
    let large_places: HashSet<String> = large.places().map(|(_, p)| json!(p)).collect();
    for (_, place) in small.places() {
        assert!(large_places.contains(&json!(place)), "{place:?}");
    }
    // Many villages per district: names come round as Kalan and Khurd, still distinct.
    let crowded = demo_geography(&reference, 20, 8);
    with_reference(&crowded).validate(&ctx()).unwrap();
    let names: HashSet<(&str, &str)> = crowded
        .villages
        .iter()
        .map(|v| (&v.code[..6], v.name.en.as_str()))
        .collect();
    assert_eq!(names.len(), crowded.villages.len());
    assert!(demo_geography(&Geography::default(), 2, 3).places().count() == 0);
}

#[test]
fn the_same_seed_gives_the_same_records() {
    let geo = demo_geography(&reference(), 1, 2);
    let options = DemoOptions::new(42, today());
    let a = demo_surveys(&geo, 200, &options);
    let b = demo_surveys(&geo, 200, &options);
    assert_eq!(json!(&a), json!(&b));
    assert_eq!(
        json!(&demo_follow_ups(&a, &options)),
        json!(&demo_follow_ups(&b, &options))
    );
    let other = demo_surveys(&geo, 200, &DemoOptions::new(43, today()));
    assert_ne!(json!(&a), json!(&other));
    // A survey depends on its village and number only, not on how many are asked for.
    assert_eq!(json!(&a[..50]), json!(&demo_surveys(&geo, 50, &options)));
    assert!(a.iter().all(|s| s.household.id.0.get_version_num() == 7));
}

/// Follow-ups checked one by one against the facts of the child's earlier ones, as a store
/// would check them on import.
fn assert_follow_ups_valid(surveys: &[HouseholdSurvey], follow_ups: &[FollowUp]) {
    let surveyed_on: HashMap<_, _> = surveys
        .iter()
        .flat_map(|s| {
            s.children
                .iter()
                .map(move |c| (c.id, s.household.surveyed_on))
        })
        .collect();
    let mut earlier: HashMap<_, Vec<FollowUp>> = HashMap::new();
    for follow_up in follow_ups {
        let child = follow_up.child_id;
        let before = earlier.entry(child).or_default();
        let facts = child_facts(surveyed_on[&child], before);
        follow_up
            .validate_against(&ctx(), &facts)
            .unwrap_or_else(|v| panic!("{v}\n{follow_up:?}"));
        assert!(follow_up.visited_on > facts.surveyed_on);
        if let Some(last) = before.last() {
            assert!(follow_up.visited_on > last.visited_on, "{follow_up:?}");
        }
        before.push(follow_up.clone());
    }
    for visits in earlier.values() {
        let before_enrolment = visits
            .iter()
            .filter(|f| f.outcome.kind() != OutcomeKind::RetentionCheck)
            .count();
        assert!((1..=3).contains(&before_enrolment), "{visits:?}");
    }
}

#[test]
fn every_generated_record_passes_validation() {
    let geo = demo_geography(&reference(), 2, 3);
    let options = DemoOptions::new(7, today());
    let surveys = demo_surveys(&geo, 2_000, &options);
    let villages: HashMap<&str, &str> = geo
        .villages
        .iter()
        .map(|v| (v.code.as_str(), v.parent.as_deref().unwrap()))
        .collect();
    for survey in &surveys {
        survey
            .validate(&ctx())
            .unwrap_or_else(|v| panic!("{v}\n{survey:?}"));
        let h = &survey.household;
        assert_eq!(villages[h.village_code.as_str()], h.uc_code);
        assert!(h.surveyed_on <= today() && h.surveyed_on > today() - chrono::Days::new(90));
    }
    let follow_ups = demo_follow_ups(&surveys, &options);
    assert!(follow_ups.len() > 1_000, "{}", follow_ups.len());
    assert_follow_ups_valid(&surveys, &follow_ups);
}

#[test]
fn household_numbers_and_ids_stay_unique_when_a_store_is_topped_up() {
    let geo = demo_geography(&reference(), 1, 2);
    let first = demo_surveys(&geo, 300, &DemoOptions::new(1, today()));
    // The same seed, as a coordinator who types the same command twice would give.
    let top_up_options = DemoOptions {
        first_household_number: 301,
        ..DemoOptions::new(1, today())
    };
    let top_up = demo_surveys(&geo, 300, &top_up_options);
    let mut numbers = HashSet::new();
    let mut ids = HashSet::new();
    for survey in first.iter().chain(&top_up) {
        let h = &survey.household;
        assert!(
            numbers.insert((h.village_code.clone(), h.household_number.clone())),
            "{h:?}"
        );
        assert!(ids.insert(h.id.0));
        for child in &survey.children {
            assert!(ids.insert(child.id.0));
        }
    }
    let options = DemoOptions::new(1, today());
    let follow_ups = demo_follow_ups(&first, &options)
        .into_iter()
        .chain(demo_follow_ups(&top_up, &top_up_options));
    for follow_up in follow_ups {
        assert!(ids.insert(follow_up.id.0));
    }
}

#[test]
fn more_girls_than_boys_are_out_of_school() {
    let geo = demo_geography(&reference(), 2, 3);
    let surveys = demo_surveys(&geo, 2_000, &DemoOptions::new(3, today()));
    let children: Vec<&Child> = surveys.iter().flat_map(|s| &s.children).collect();
    let share = |sex| {
        let of_sex: Vec<_> = children.iter().filter(|c| c.sex == sex).collect();
        of_sex.iter().filter(|c| c.is_out_of_school()).count() as f64 / of_sex.len() as f64
    };
    let (girls, boys) = (share(ChildSex::Girl), share(ChildSex::Boy));
    assert!(girls > boys + 0.04, "girls {girls:.3}, boys {boys:.3}");
    let overall =
        children.iter().filter(|c| c.is_out_of_school()).count() as f64 / children.len() as f64;
    assert!((0.33..0.48).contains(&overall), "{overall}");
}

#[test]
fn households_and_children_look_like_a_campaigns() {
    let geo = demo_geography(&reference(), 2, 3);
    let options = DemoOptions::new(11, today());
    let surveys = demo_surveys(&geo, 2_000, &options);

    let (consenting, refusing): (Vec<_>, Vec<_>) =
        surveys.iter().partition(|s| s.household.consent);
    assert!((30..150).contains(&refusing.len()), "{}", refusing.len());
    for survey in &refusing {
        let h = &survey.household;
        assert!(survey.children.is_empty());
        assert!(h.head_name.is_none() && h.respondent_name.is_none() && h.gps.is_none());
    }
    let per_household =
        consenting.iter().map(|s| s.children.len()).sum::<usize>() as f64 / consenting.len() as f64;
    assert!((2.8..3.2).contains(&per_household), "{per_household}");
    assert!(consenting.iter().all(|s| s.children.len() <= 5));
    assert!(consenting.iter().any(|s| s.children.is_empty()));
    assert!(consenting.iter().all(|s| s.household.head_name.is_some()));
    for survey in &consenting {
        let names: HashSet<&str> = survey.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), survey.children.len(), "{survey:?}");
    }

    let children: Vec<&Child> = surveys.iter().flat_map(|s| &s.children).collect();
    let out: Vec<&&Child> = children.iter().filter(|c| c.is_out_of_school()).collect();
    assert!(out.iter().all(|c| !c.reasons_out_of_school.is_empty()));
    assert!(
        out.iter()
            .filter(|c| c.reasons_out_of_school.len() > 1)
            .count()
            > out.len() / 4
    );
    let other = out
        .iter()
        .filter(|c| c.reasons_out_of_school.contains(&ReasonOutOfSchool::Other))
        .count();
    assert!(
        other > 0 && other < out.len() / 25,
        "{other} of {}",
        out.len()
    );
    assert!(
        children
            .iter()
            .filter(|c| !c.functioning.is_empty())
            .count()
            > children.len() / 4
    );
    assert!(children.iter().any(|c| c.date_of_birth.is_some()));
    assert!(children.iter().any(|c| c.age_years.is_some()));

    let follow_ups = demo_follow_ups(&surveys, &options);
    let kinds: HashSet<OutcomeKind> = follow_ups.iter().map(|f| f.outcome.kind()).collect();
    assert_eq!(kinds.len(), 7, "{kinds:?}");
    assert!(follow_ups.iter().any(|f| matches!(
        &f.outcome,
        Outcome::Enrolled { school: Some(s), class: Some(_), .. } if s.name.starts_with("GGPS ")
    )));
    // Girls are enrolled less often than boys, as in the campaign.
    let enrolled_share = |sex| {
        let of_sex: HashSet<_> = out.iter().filter(|c| c.sex == sex).map(|c| c.id).collect();
        let enrolled: HashSet<_> = follow_ups
            .iter()
            .filter(|f| f.outcome.kind() == OutcomeKind::Enrolled && of_sex.contains(&f.child_id))
            .map(|f| f.child_id)
            .collect();
        enrolled.len() as f64 / of_sex.len() as f64
    };
    assert!(enrolled_share(ChildSex::Girl) < enrolled_share(ChildSex::Boy));
}

#[test]
fn no_villages_or_no_households_give_no_records() {
    let options = DemoOptions::new(1, today());
    assert!(demo_surveys(&Geography::default(), 10, &options).is_empty());
    let geo = demo_geography(&reference(), 1, 1);
    assert!(demo_surveys(&geo, 0, &options).is_empty());
    assert!(demo_follow_ups(&[], &options).is_empty());
}

#[test]
fn schools_and_their_needs_pass_validation_and_each_need_is_about_a_demo_school() {
    let geo = demo_geography(&reference(), 2, 3);
    let options = DemoOptions::new(7, today());
    let schools = demo_schools(&geo, 30, &options);
    assert_eq!(schools.len(), 30 * geo.union_councils.len());
    let villages: HashMap<&str, &str> = geo
        .villages
        .iter()
        .map(|v| (v.code.as_str(), v.parent.as_deref().unwrap()))
        .collect();
    for school in &schools {
        school
            .validate(&ctx())
            .unwrap_or_else(|v| panic!("{v}\n{school:?}"));
        let village = school.village_code.as_deref().unwrap();
        assert_eq!(villages[village], school.uc_code);
    }
    let needs = demo_needs(&schools, &options);
    let ids: HashSet<_> = schools.iter().map(|s| s.id).collect();
    assert!(needs.len() > schools.len() / 2, "{}", needs.len());
    for need in &needs {
        need.validate(&ctx())
            .unwrap_or_else(|v| panic!("{v}\n{need:?}"));
        assert!(ids.contains(&need.school_id));
    }
    assert!(needs.iter().any(|n| n.resolved_on.is_some()));
    assert!(needs.iter().any(|n| n.raised_on.is_none()));
    assert_eq!(
        demo_schools(&geo, 30, &options),
        schools,
        "the same seed, the same schools"
    );
}

#[test]
fn shares_add_up_exactly_and_stay_under_their_caps() {
    let weights = [1.0, 2.0, 3.3, 0.7];
    let shares = campaign::allocate_within(1_000, &weights, &[u32::MAX; 4]);
    assert_eq!(shares.iter().sum::<u32>(), 1_000);
    assert_eq!(shares, [143, 286, 471, 100]);
    let capped = campaign::allocate_within(100, &weights, &[90, 5, 5, 90]);
    assert_eq!(capped.iter().sum::<u32>(), 100);
    assert!(capped[1] <= 5 && capped[2] <= 5, "{capped:?}");
}

/// What a union council's records add up to, counted from the records themselves.
fn figures_of(uc: &CampaignUc) -> CampaignFigures {
    let mut figures = CampaignFigures::default();
    let mut visits: HashMap<_, Vec<FollowUp>> = HashMap::new();
    for follow_up in &uc.follow_ups {
        visits
            .entry(follow_up.child_id)
            .or_default()
            .push(follow_up.clone());
    }
    for child in uc.surveys.iter().flat_map(|s| &s.children) {
        let enrolled = daakhla_domain::lifecycle::lifecycle(
            child,
            visits.get(&child.id).map_or(&[][..], Vec::as_slice),
        )
        .enrolled_on
        .is_some();
        match (child.is_out_of_school(), child.sex) {
            (true, ChildSex::Girl) => {
                figures.osc_girls += 1;
                figures.enrolled_girls += u32::from(enrolled);
            }
            (true, ChildSex::Boy) => {
                figures.osc_boys += 1;
                figures.enrolled_boys += u32::from(enrolled);
            }
            (false, _) => {
                figures.in_school += 1;
                assert!(!enrolled, "only children found out of school are enrolled");
            }
            (true, ChildSex::Transgender) => panic!("the seeds' figures count no transgender OSC"),
        }
    }
    let improved: HashSet<_> = uc
        .needs
        .iter()
        .filter(|n| n.resolved_on.is_some())
        .map(|n| n.school_id)
        .collect();
    figures.schools_improved = improved.len() as u32;
    figures
}

#[test]
fn the_reference_campaign_adds_up_to_the_seeds_figures_exactly() {
    let geo = campaign_geography(&reference());
    assert_eq!(geo.union_councils.len(), CAMPAIGN_UCS);
    let districts: HashSet<&str> = geo
        .tehsils
        .iter()
        .filter_map(|t| t.parent.as_deref())
        .collect();
    assert_eq!(districts.len(), 14);
    let options = DemoOptions::new(2026, today());
    let quotas = campaign_quotas(&geo, SEEDS_CAMPAIGN, options.seed);
    let mut total = CampaignFigures::default();
    for (i, quota) in quotas.iter().enumerate() {
        let uc = campaign_uc(&geo, i, *quota, &options);
        let figures = figures_of(&uc);
        assert_eq!(figures, *quota, "{}", uc.uc_code);
        total.osc_girls += figures.osc_girls;
        total.osc_boys += figures.osc_boys;
        total.enrolled_girls += figures.enrolled_girls;
        total.enrolled_boys += figures.enrolled_boys;
        total.schools_improved += figures.schools_improved;
        total.in_school += figures.in_school;
    }
    assert_eq!(total, SEEDS_CAMPAIGN);
}

#[test]
fn a_campaign_union_councils_records_pass_validation_and_come_out_the_same_again() {
    let geo = campaign_geography(&reference());
    let options = DemoOptions::new(2026, today());
    let quotas = campaign_quotas(&geo, SEEDS_CAMPAIGN, options.seed);
    let uc = campaign_uc(&geo, 7, quotas[7], &options);
    assert_eq!(uc, campaign_uc(&geo, 7, quotas[7], &options));
    for survey in &uc.surveys {
        survey
            .validate(&ctx())
            .unwrap_or_else(|v| panic!("{v}\n{survey:?}"));
    }
    let surveyed_on: HashMap<_, _> = uc
        .surveys
        .iter()
        .flat_map(|s| {
            s.children
                .iter()
                .map(move |c| (c.id, s.household.surveyed_on))
        })
        .collect();
    let mut earlier: HashMap<_, Vec<FollowUp>> = HashMap::new();
    for follow_up in &uc.follow_ups {
        let before = earlier.entry(follow_up.child_id).or_default();
        let facts = child_facts(surveyed_on[&follow_up.child_id], before);
        follow_up
            .validate_against(&ctx(), &facts)
            .unwrap_or_else(|v| panic!("{v}\n{follow_up:?}"));
        before.push(follow_up.clone());
    }
    for school in &uc.schools {
        school.validate(&ctx()).unwrap();
    }
    for need in &uc.needs {
        need.validate(&ctx())
            .unwrap_or_else(|v| panic!("{v}\n{need:?}"));
    }
}

#[test]
#[ignore = "prints the campaign's size"]
fn campaign_size() {
    let geo = campaign_geography(&reference());
    let options = DemoOptions::new(2026, today());
    let quotas = campaign_quotas(&geo, SEEDS_CAMPAIGN, options.seed);
    let (mut h, mut c, mut f, mut s, mut n) = (0, 0, 0, 0, 0);
    for (i, quota) in quotas.iter().enumerate() {
        let uc = campaign_uc(&geo, i, *quota, &options);
        h += uc.surveys.len();
        c += uc.surveys.iter().map(|s| s.children.len()).sum::<usize>();
        f += uc.follow_ups.len();
        s += uc.schools.len();
        n += uc.needs.len();
    }
    println!("households {h} children {c} follow-ups {f} schools {s} needs {n}");
}

/// The daily digest fits one English SMS for every union council of the reference campaign,
/// with 6-digit figures, and its Urdu parts are counted.
#[test]
fn every_campaign_union_council_s_digest_fits_one_english_sms() {
    use daakhla_domain::digest::{DigestFigures, SmsEncoding, compose};
    let geo = campaign_geography(&reference());
    assert_eq!(geo.union_councils.len(), 152);
    let mut longest = 0;
    for uc in &geo.union_councils {
        let figures = DigestFigures {
            uc_code: uc.code.clone(),
            uc_name: uc.name.clone(),
            on: today(),
            osc_girls: 999_999,
            osc_boys: 999_999,
            enrolled_girls: 999_999,
            enrolled_boys: 999_999,
            open_needs: 999_999,
        };
        let en = compose(&figures, daakhla_domain::Lang::En);
        assert_eq!(en.sms.encoding, SmsEncoding::Gsm7, "{}", en.text);
        assert_eq!(en.sms.parts, 1, "{}", en.text);
        assert!(
            en.text.starts_with(&uc.name.en),
            "the whole name fits: {}",
            en.text
        );
        let ur = compose(&figures, daakhla_domain::Lang::Ur);
        assert_eq!(ur.sms.encoding, SmsEncoding::Ucs2);
        assert!((2..=3).contains(&ur.sms.parts), "{} parts", ur.sms.parts);
        longest = longest.max(en.sms.units);
    }
    assert!(longest <= 160, "{longest}");
}
