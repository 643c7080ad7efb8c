//! Schools of the demo villages, as the school census lists them, and the infrastructure needs
//! the LSO found there, some raised with officials, promised, or resolved.

use crate::places::{plain_name, village_centre};
use crate::rng::Rng;
use crate::{DemoOptions, uuid_at, visit_millis};
use chrono::Days;
use daakhla_domain::codes::{
    BoundaryWall, Electricity, NeedCategory, SchoolGender, SchoolLevel, Severity, WaterSource,
};
use daakhla_domain::geography::{Geography, Place};
use daakhla_domain::household::GpsFix;
use daakhla_domain::ids::{NeedId, SchoolId};
use daakhla_domain::school::{Facilities, InfrastructureNeed, School};
use std::collections::BTreeMap;

/// `per_uc` schools in each union council that has villages in `geo`, spread over its
/// villages: mostly primary, girls', boys' and mixed, a few closed.
pub fn demo_schools(geo: &Geography, per_uc: usize, options: &DemoOptions) -> Vec<School> {
    let mut by_uc: BTreeMap<&str, Vec<&Place>> = BTreeMap::new();
    for village in &geo.villages {
        if let Some(uc) = village.parent.as_deref() {
            by_uc.entry(uc).or_default().push(village);
        }
    }
    let mut schools = Vec::new();
    for (uc_code, villages) in by_uc {
        for n in 0..per_uc {
            let village = villages[n % villages.len()];
            let key = format!("school {uc_code} {n}");
            let mut rng = Rng::keyed(options.seed, key.as_bytes());
            let level = rng.weighted(&[
                (SchoolLevel::Primary, 70),
                (SchoolLevel::Middle, 20),
                (SchoolLevel::High, 10),
            ]);
            let gender = rng.weighted(&[
                (SchoolGender::Girls, 40),
                (SchoolGender::Boys, 35),
                (SchoolGender::Mixed, 25),
            ]);
            let functional = rng.chance(0.9);
            let prefix = match (gender, level) {
                (SchoolGender::Girls, SchoolLevel::Primary) => "GGPS",
                (SchoolGender::Girls, SchoolLevel::Middle) => "GGMS",
                (SchoolGender::Girls, _) => "GGHS",
                (_, SchoolLevel::Primary) => "GPS",
                (_, SchoolLevel::Middle) => "GMS",
                _ => "GHS",
            };
            let (lat, lon) = village_centre(&village.code);
            let millis = visit_millis(&mut rng, options.today - Days::new(120));
            schools.push(School {
                id: SchoolId(uuid_at(&mut rng, millis)),
                emis_code: Some(format!("4{:08}", rng.below(100_000_000))),
                name: format!("{prefix} {} {}", plain_name(&village.name.en), n + 1),
                level,
                gender,
                functional,
                closed_reason: (!functional).then(|| "No teacher posted".to_string()),
                uc_code: uc_code.to_string(),
                village_code: Some(village.code.clone()),
                gps: Some(GpsFix {
                    latitude: lat + rng.float(-0.01, 0.01),
                    longitude: lon + rng.float(-0.01, 0.01),
                    accuracy_m: Some(rng.float(4.0, 25.0).round()),
                }),
                teachers: Some(rng.between(1, 8) as u16),
                classrooms: Some(rng.between(1, 10) as u16),
                enrolment: Some(rng.between(40, 400) as u32),
                facilities: Facilities {
                    boundary_wall: Some(rng.weighted(&[
                        (BoundaryWall::None, 30),
                        (BoundaryWall::Under6Ft, 30),
                        (BoundaryWall::SixFtOrMore, 40),
                    ])),
                    wall_condition: None,
                    drinking_water: Some(rng.weighted(&[
                        (WaterSource::None, 35),
                        (WaterSource::HandPump, 40),
                        (WaterSource::Tap, 25),
                    ])),
                    electricity: Some(rng.weighted(&[
                        (Electricity::None, 40),
                        (Electricity::Partial, 30),
                        (Electricity::Functional, 30),
                    ])),
                    toilets_usable: Some(rng.between(0, 4) as u16),
                    building_condition: None,
                },
            });
        }
    }
    schools
}

/// One to three needs for most schools, found in the last 90 days up to `options.today`;
/// some raised with an official, some of those promised, some resolved.
pub fn demo_needs(schools: &[School], options: &DemoOptions) -> Vec<InfrastructureNeed> {
    let mut needs = Vec::new();
    for school in schools {
        let mut rng = Rng::keyed(options.seed, format!("needs {}", school.id).as_bytes());
        let count = rng.weighted(&[(0, 20), (1, 45), (2, 25), (3, 10)]);
        for _ in 0..count {
            let identified_on = options.today - Days::new(rng.between(30, 90) as u64);
            let raised_on = rng
                .chance(0.7)
                .then(|| identified_on + Days::new(rng.between(1, 10) as u64));
            let promised_on = raised_on
                .filter(|_| rng.chance(0.6))
                .map(|d| d + Days::new(rng.between(3, 10) as u64));
            let resolved_on = promised_on
                .filter(|_| rng.chance(0.6))
                .map(|d| d + Days::new(rng.between(5, 10) as u64));
            let millis = visit_millis(&mut rng, identified_on);
            needs.push(InfrastructureNeed {
                id: NeedId(uuid_at(&mut rng, millis)),
                school_id: school.id,
                category: rng.weighted(&[
                    (NeedCategory::BoundaryWall, 25),
                    (NeedCategory::Latrines, 25),
                    (NeedCategory::DrinkingWater, 20),
                    (NeedCategory::Electricity, 15),
                    (NeedCategory::Furniture, 10),
                    (NeedCategory::Classrooms, 5),
                ]),
                severity: rng.weighted(&[
                    (Severity::Low, 15),
                    (Severity::Medium, 40),
                    (Severity::High, 35),
                    (Severity::Urgent, 10),
                ]),
                description: None,
                photo: None,
                identified_on,
                reported_by: "LSO survey team".into(),
                raised_on,
                raised_with: None,
                promised_on,
                resolved_on,
            });
        }
    }
    needs
}
