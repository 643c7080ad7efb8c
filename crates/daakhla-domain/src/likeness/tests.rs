use super::*;
use serde_json::{Value, json};

/// A survey in village V1 from a compact description: children as (name, sex, age, father).
fn survey(
    number: &str,
    head: &str,
    gps: Option<(f64, f64)>,
    children: &[(&str, &str, u8, &str)],
) -> HouseholdSurvey {
    let children: Vec<Value> = children
        .iter()
        .map(|(name, sex, age, father)| {
            json!({"name": name, "sex": sex, "age_years": age, "father_name": father,
                   "schooling": {"status": "never_enrolled"}})
        })
        .collect();
    let mut household = json!({"uc_code": "UC1", "village_code": "V1", "household_number": number,
        "consent": true, "head_name": head, "surveyed_by": "Ayesha", "surveyed_on": "2026-11-01"});
    if let Some((latitude, longitude)) = gps {
        household["gps"] = json!({"latitude": latitude, "longitude": longitude, "accuracy_m": 8.0});
    }
    let mut survey: HouseholdSurvey =
        serde_json::from_value(json!({"household": household, "children": children})).unwrap();
    survey.link_children();
    survey
}

#[test]
fn urdu_script_and_roman_urdu_spellings_of_a_name_share_a_skeleton() {
    for (urdu, roman) in [
        ("محمد اسلم", "Muhammad Aslam"),
        ("غلام رسول", "Ghulam Rasool"),
        ("فاطمہ بی بی", "Fatima Bibi"),
        ("عبدالرحمان", "Abdul Rehman"),
        ("شاہ جہان خان", "Shah Jahan Khan"),
        ("احمد علی", "Ahmed Ali"),
    ] {
        let similarity = name_similarity(urdu, roman);
        assert!(similarity >= 0.75, "{urdu} ~ {roman}: {similarity}");
    }
    assert_eq!(skeleton("Muhammad"), skeleton("محمد"));
    assert_eq!(skeleton("Mohammed"), skeleton("Muhammad"));
    assert_eq!(skeleton("Khan"), skeleton("خان"));
}

#[test]
fn different_names_do_not_look_alike_even_with_a_common_first_name() {
    for (a, b) in [
        ("Muhammad Aslam", "Muhammad Akram"),
        ("محمد اسلم", "محمد اکرم"),
        ("Ghulam Rasool", "Ghulam Nabi"),
        ("Ali Hasan", "Ali Khan"),
    ] {
        let similarity = name_similarity(a, b);
        assert!(similarity < 0.75, "{a} !~ {b}: {similarity}");
    }
    // "Muhammad" alone tells nothing, but a name that is only common words still compares.
    assert_eq!(name_similarity("Muhammad", "محمد"), 1.0);
    assert_eq!(name_similarity("", "Aslam"), 0.0);
}

#[test]
fn household_numbers_are_compared_as_people_write_them() {
    assert_eq!(number_key("012"), "12");
    assert_eq!(number_key("۱۲"), "12");
    assert_eq!(number_key("12-A"), number_key("12a"));
    assert_ne!(number_key("12"), number_key("21"));
    assert_eq!(number_key(" - "), "");
}

#[test]
fn distances_are_haversine_metres() {
    let a = GpsFix {
        latitude: 24.8607,
        longitude: 67.0011,
        accuracy_m: None,
    };
    let b = GpsFix {
        latitude: 24.8607,
        longitude: 67.0021,
        accuracy_m: None,
    };
    // 0.001° of longitude at 24.86° N is about 101 m.
    assert!(
        (distance_m(&a, &b) - 101.0).abs() < 1.5,
        "{}",
        distance_m(&a, &b)
    );
    assert_eq!(distance_m(&a, &a), 0.0);
}

#[test]
fn the_same_household_surveyed_twice_in_two_scripts_is_a_likely_duplicate() {
    let roman = survey(
        "12",
        "Muhammad Aslam",
        Some((24.86070, 67.00110)),
        &[
            ("Sana", "girl", 9, "Muhammad Aslam"),
            ("Bilal", "boy", 7, "Muhammad Aslam"),
            ("Hina", "girl", 12, "Muhammad Aslam"),
        ],
    );
    // Another phone, a week later: Urdu script, the number written with a zero, one age a year
    // on, a fix 15 m away.
    let urdu = survey(
        "012",
        "محمد اسلم",
        Some((24.86080, 67.00115)),
        &[
            ("ثنا", "girl", 10, "محمد اسلم"),
            ("بلال", "boy", 7, "محمد اسلم"),
            ("حنا", "girl", 12, "محمد اسلم"),
        ],
    );
    let found = likeness_of(&roman, &urdu);
    assert!(found.is_likely_duplicate(), "{found:?}");
    assert_eq!(found.score, 100);
    assert!(found.clues.contains(&Clue::SameNumber));
    assert!(
        found
            .clues
            .contains(&Clue::ChildrenAlike { alike: 3, of: 3 })
    );
    assert!(
        matches!(found.clues.iter().find(|c| matches!(c, Clue::Near { .. })), Some(Clue::Near { metres }) if *metres < 20)
    );
    // Alike both ways round.
    assert_eq!(likeness_of(&urdu, &roman).score, found.score);
}

#[test]
fn a_renumbered_household_is_still_found_by_names_and_children() {
    let first = survey(
        "12",
        "Ghulam Rasool",
        None,
        &[
            ("Sana", "girl", 9, "Ghulam Rasool"),
            ("Ali", "boy", 6, "Ghulam Rasool"),
        ],
    );
    let second = survey(
        "45",
        "غلام رسول",
        None,
        &[
            ("ثنا", "girl", 9, "غلام رسول"),
            ("علی", "boy", 6, "غلام رسول"),
        ],
    );
    let found = likeness_of(&first, &second);
    assert!(found.is_likely_duplicate(), "{found:?}");
    assert!(!found.clues.contains(&Clue::SameNumber));
}

#[test]
fn neighbours_with_different_heads_and_children_are_not_duplicates() {
    let a = survey(
        "12",
        "Muhammad Aslam",
        Some((24.86070, 67.00110)),
        &[("Sana", "girl", 9, "Muhammad Aslam")],
    );
    let b = survey(
        "13",
        "Muhammad Akram",
        Some((24.86075, 67.00112)),
        &[("Imran", "boy", 14, "Muhammad Akram")],
    );
    let found = likeness_of(&a, &b);
    assert!(!found.is_likely_duplicate(), "{found:?}");
}

#[test]
fn fixes_far_apart_count_against_a_shared_number() {
    // "12" in one lane and "12" in another part of the village: numbers chalked by different
    // teams. The same head's name and children, but 2 km apart.
    let a = survey(
        "12",
        "Ahmed Ali",
        Some((24.8607, 67.0011)),
        &[("Sana", "girl", 9, "Ahmed Ali")],
    );
    let near = survey(
        "12",
        "احمد علی",
        Some((24.8608, 67.0011)),
        &[("ثنا", "girl", 9, "احمد علی")],
    );
    let far = survey(
        "12",
        "احمد علی",
        Some((24.8787, 67.0011)),
        &[("ثنا", "girl", 9, "احمد علی")],
    );
    let (close, apart) = (likeness_of(&a, &near), likeness_of(&a, &far));
    assert!(close.score > apart.score);
    assert!(
        apart
            .clues
            .iter()
            .any(|c| matches!(c, Clue::FarApart { metres } if (1900..2100).contains(metres)))
    );
}

#[test]
fn a_father_named_on_the_roster_can_match_the_other_head() {
    // One survey was answered by the grandfather (head); the other names the father as head.
    let a = survey(
        "7",
        "Allah Ditta",
        None,
        &[("Zainab", "girl", 8, "Khalid Mehmood")],
    );
    let b = survey(
        "7",
        "خالد محمود",
        None,
        &[("زینب", "girl", 8, "خالد محمود")],
    );
    let found = likeness_of(&a, &b);
    assert!(
        found
            .clues
            .iter()
            .any(|c| matches!(c, Clue::FatherNameAlike { .. })),
        "{found:?}"
    );
    assert!(found.is_likely_duplicate(), "{found:?}");
}

#[test]
fn a_common_name_and_children_of_the_same_ages_are_not_enough() {
    // Two Muhammad Iqbals in one village, each with a girl of 9 and a boy of 7: the children's
    // names tell them apart.
    let a = survey(
        "31",
        "Muhammad Iqbal",
        None,
        &[
            ("Sana", "girl", 9, "Muhammad Iqbal"),
            ("Bilal", "boy", 7, "Muhammad Iqbal"),
        ],
    );
    let b = survey(
        "58",
        "محمد اقبال",
        None,
        &[
            ("مریم", "girl", 9, "محمد اقبال"),
            ("عمران", "boy", 7, "محمد اقبال"),
        ],
    );
    let found = likeness_of(&a, &b);
    assert!(!found.is_likely_duplicate(), "{found:?}");
    assert!(
        !found
            .clues
            .iter()
            .any(|c| matches!(c, Clue::ChildrenAlike { .. }))
    );
}

#[test]
fn the_same_children_on_two_rosters_are_paired_once_each() {
    let roman = survey(
        "7",
        "Muhammad Aslam",
        None,
        &[
            ("Sana", "girl", 9, ""),
            ("Bilal", "boy", 7, ""),
            ("Hina", "girl", 12, ""),
        ],
    );
    let urdu = survey(
        "07",
        "محمد اسلم",
        None,
        &[
            ("بلال", "boy", 8, ""),
            ("ثنا", "girl", 9, ""),
            ("زینب", "girl", 12, ""),
        ],
    );
    let pairs = same_children(&roman, &urdu);
    assert_eq!(
        pairs,
        vec![
            (roman.children[0].id, urdu.children[1].id),
            (roman.children[1].id, urdu.children[0].id)
        ]
    );
}

#[test]
fn the_quick_check_agrees_with_the_full_score() {
    let roman = survey(
        "7",
        "Muhammad Aslam",
        None,
        &[("Sana", "girl", 9, "Muhammad Aslam")],
    );
    let urdu = survey("07", "محمد اسلم", None, &[("ثنا", "girl", 9, "محمد اسلم")]);
    let other = survey(
        "8",
        "Ghulam Nabi",
        None,
        &[("Sana", "girl", 9, "Ghulam Nabi")],
    );
    let t = Traits::of;
    assert_eq!(
        likely_duplicate(&t(&roman), &t(&urdu)),
        Some(likeness_of(&roman, &urdu))
    );
    assert_eq!(likely_duplicate(&t(&roman), &t(&other)), None);
    assert!(!likeness_of(&roman, &other).is_likely_duplicate());
}

#[test]
fn edit_distance_counts_insertions_deletions_and_substitutions() {
    let chars = |s: &str| s.chars().collect::<Vec<_>>();
    assert_eq!(edit_distance(&chars("kitten"), &chars("sitting")), 3);
    assert_eq!(edit_distance(&chars(""), &chars("abc")), 3);
    assert_eq!(edit_distance(&chars("abc"), &chars("")), 3);
    assert_eq!(edit_distance(&chars("slm"), &chars("slm")), 0);
}

#[test]
fn a_search_key_is_the_same_for_a_name_in_either_script_and_either_ye_or_kaf() {
    let sana = search_key("Sana");
    assert_eq!(sana, " sn ");
    for spelling in ["ثنا", "Sanaa", "SANA", "ثناء"] {
        assert_eq!(search_key(spelling), sana, "{spelling}");
    }
    // Arabic and Urdu forms of ye and kaf: one key.
    assert_eq!(search_key("علي"), search_key("علی"));
    assert_eq!(search_key("كريم"), search_key("کریم"));
    assert_eq!(search_key("Sana Bibi"), " sn b ");
    assert_eq!(search_key("Muhammad Aslam"), " mhmd slm ");
    assert_eq!(search_key("  "), "");
    assert_eq!(search_key("Ai"), "");
}
