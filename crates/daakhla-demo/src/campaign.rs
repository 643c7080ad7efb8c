//! The seeds' campaign as a reference data set: 152 union councils in the 14 campaign
//! districts whose households, children, follow-ups, schools and needs add up exactly to the
//! programme's figures (DOMAIN.md), so reports can be checked against them. Each union
//! council is generated on its own, from the seed and its place in the campaign, so a loader
//! can take them one at a time.

use crate::follow_ups::fixed_follow_ups;
use crate::rng::Rng;
use crate::{
    DemoOptions, demo_geography, demo_needs, demo_schools, demo_surveys, uuid_at, visit_millis,
};
use chrono::Days;
use daakhla_domain::child::{SchoolRef, Schooling};
use daakhla_domain::codes::{ChildSex, NeedCategory, Severity};
use daakhla_domain::followup::FollowUp;
use daakhla_domain::geography::{Geography, Place};
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::ids::NeedId;
use daakhla_domain::school::{InfrastructureNeed, School};

/// Figures a campaign's records add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CampaignFigures {
    pub osc_girls: u32,
    pub osc_boys: u32,
    pub enrolled_girls: u32,
    pub enrolled_boys: u32,
    pub schools_improved: u32,
    /// Children in school when surveyed: the baseline enrolment.
    pub in_school: u32,
}

/// The seeds' campaign: OSC found 361,545 (192,551 girls, 168,994 boys), enrolled 128,789
/// (49,626 girls, 79,163 boys): a 36 % increase over a baseline enrolment of 357,747 in
/// school when surveyed; 949 schools improved.
pub const SEEDS_CAMPAIGN: CampaignFigures = CampaignFigures {
    osc_girls: 192_551,
    osc_boys: 168_994,
    enrolled_girls: 49_626,
    enrolled_boys: 79_163,
    schools_improved: 949,
    in_school: 357_747,
};

/// Union councils in the campaign.
pub const CAMPAIGN_UCS: usize = 152;
const VILLAGES_PER_UC: usize = 4;
const SCHOOLS_PER_UC: usize = 30;

/// One union council's records.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignUc {
    pub uc_code: String,
    pub surveys: Vec<HouseholdSurvey>,
    pub follow_ups: Vec<FollowUp>,
    pub schools: Vec<School>,
    pub needs: Vec<InfrastructureNeed>,
}

/// The campaign's places under the reference districts: 152 union councils (11 in each
/// district, 10 in the last two), four villages each, labelled as demo places.
pub fn campaign_geography(reference: &Geography) -> Geography {
    let mut geo = demo_geography(reference, 11, VILLAGES_PER_UC);
    let surplus = geo.union_councils.len().saturating_sub(CAMPAIGN_UCS);
    let mut dropped: Vec<String> = Vec::new();
    for district in reference.districts.iter().rev().take(surplus) {
        let last = geo
            .union_councils
            .iter()
            .filter(|uc| uc.code.starts_with(&format!("{}-", district.code)))
            .map(|uc| uc.code.clone())
            .max();
        dropped.extend(last);
    }
    geo.union_councils.retain(|uc| !dropped.contains(&uc.code));
    geo.villages.retain(|v| {
        !dropped
            .iter()
            .any(|uc| v.parent.as_deref() == Some(uc.as_str()))
    });
    geo
}

/// How the campaign's figures fall to each of its union councils (in `geo`'s order).
pub fn campaign_quotas(
    geo: &Geography,
    figures: CampaignFigures,
    seed: u64,
) -> Vec<CampaignFigures> {
    let ucs = &geo.union_councils;
    let weight = |uc: &Place, what: &str| {
        Rng::keyed(seed, format!("{what} {}", uc.code).as_bytes()).float(0.6, 1.4)
    };
    let size: Vec<f64> = ucs.iter().map(|uc| weight(uc, "size")).collect();
    let girls = allocate(figures.osc_girls, &size);
    let boys = allocate(figures.osc_boys, &size);
    let rate = |what| -> Vec<f64> { ucs.iter().map(|uc| weight(uc, what)).collect() };
    let girls_rate: Vec<f64> = girls
        .iter()
        .zip(rate("girls enrolled"))
        .map(|(&g, r)| f64::from(g) * r)
        .collect();
    let boys_rate: Vec<f64> = boys
        .iter()
        .zip(rate("boys enrolled"))
        .map(|(&b, r)| f64::from(b) * r)
        .collect();
    let enrolled_girls = allocate_within(figures.enrolled_girls, &girls_rate, &girls);
    let enrolled_boys = allocate_within(figures.enrolled_boys, &boys_rate, &boys);
    let caps = vec![SCHOOLS_PER_UC as u32; ucs.len()];
    let improved = allocate_within(figures.schools_improved, &rate("schools"), &caps);
    let in_school = allocate(figures.in_school, &size);
    (0..ucs.len())
        .map(|i| CampaignFigures {
            osc_girls: girls[i],
            osc_boys: boys[i],
            enrolled_girls: enrolled_girls[i],
            enrolled_boys: enrolled_boys[i],
            schools_improved: improved[i],
            in_school: in_school[i],
        })
        .collect()
}

/// `total` split in proportion to `weights`, exactly (largest remainders).
fn allocate(total: u32, weights: &[f64]) -> Vec<u32> {
    let caps = vec![u32::MAX; weights.len()];
    allocate_within(total, weights, &caps)
}

/// `total` split in proportion to `weights`, exactly, none above its cap. Panics if the caps
/// cannot hold the total.
pub(crate) fn allocate_within(total: u32, weights: &[f64], caps: &[u32]) -> Vec<u32> {
    assert!(
        caps.iter().map(|&c| u64::from(c)).sum::<u64>() >= u64::from(total),
        "the caps hold less than {total}"
    );
    let sum: f64 = weights.iter().sum();
    let mut shares: Vec<u32> = weights
        .iter()
        .zip(caps)
        .map(|(w, &cap)| ((f64::from(total) * w / sum).floor() as u32).min(cap))
        .collect();
    let mut left = total - shares.iter().sum::<u32>();
    // The rest, one at a time, to those furthest below their exact share and under their cap.
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let gap = |i: usize| f64::from(total) * weights[i] / sum - f64::from(shares[i]);
        gap(b).total_cmp(&gap(a)).then(a.cmp(&b))
    });
    while left > 0 {
        for &i in &order {
            if left > 0 && shares[i] < caps[i] {
                shares[i] += 1;
                left -= 1;
            }
        }
    }
    shares
}

/// The records of the `index`-th union council of `geo`, adding up to `quota`.
pub fn campaign_uc(
    geo: &Geography,
    index: usize,
    quota: CampaignFigures,
    options: &DemoOptions,
) -> CampaignUc {
    let uc = &geo.union_councils[index];
    let villages = Geography {
        villages: geo
            .villages
            .iter()
            .filter(|v| v.parent.as_deref() == Some(uc.code.as_str()))
            .cloned()
            .collect(),
        ..Geography::default()
    };
    let mut surveys = surveys_for(&villages, quota, options);
    keep_in_school(&mut surveys, quota.in_school);
    let follow_ups = follow_ups_for(&surveys, quota, options);
    let schools = demo_schools(&villages, SCHOOLS_PER_UC, options);
    let needs = needs_for(&schools, quota.schools_improved, options);
    CampaignUc {
        uc_code: uc.code.clone(),
        surveys,
        follow_ups,
        schools,
        needs,
    }
}

/// Households until the union council's out-of-school girls and boys are found and at least
/// its baseline of children in school; children out of school beyond the quota (and
/// transgender children, whom the seeds' figures do not count apart) are recorded as in school.
fn surveys_for(
    villages: &Geography,
    quota: CampaignFigures,
    options: &DemoOptions,
) -> Vec<HouseholdSurvey> {
    let (mut girls, mut boys) = (quota.osc_girls, quota.osc_boys);
    let mut in_school = 0;
    let done =
        |girls: u32, boys: u32, in_school: u32| girls + boys == 0 && in_school >= quota.in_school;
    let mut kept = Vec::new();
    let mut round = *options;
    let batch = villages.villages.len() * 50;
    while !done(girls, boys, in_school) {
        for mut survey in demo_surveys(villages, batch, &round) {
            if done(girls, boys, in_school) {
                break;
            }
            for child in &mut survey.children {
                if !child.is_out_of_school() {
                    in_school += 1;
                    continue;
                }
                let left = match child.sex {
                    ChildSex::Girl => &mut girls,
                    ChildSex::Boy => &mut boys,
                    ChildSex::Transgender => &mut 0,
                };
                if *left > 0 {
                    *left -= 1;
                } else {
                    in_school += 1;
                    child.schooling = Schooling::Enrolled {
                        school: Some(SchoolRef {
                            id: None,
                            name: "Government school".into(),
                        }),
                        class: None,
                    };
                    child.reasons_out_of_school.clear();
                    child.other_reason = None;
                    child.willing_to_enrol = None;
                    child.preferred_school = None;
                }
            }
            kept.push(survey);
        }
        round.first_household_number += (batch / villages.villages.len().max(1)) as u32;
    }
    kept
}

/// Takes children in school off the rosters, one a household from the last, until exactly
/// `quota` remain (the baseline enrolment). Panics if there are fewer.
fn keep_in_school(surveys: &mut [HouseholdSurvey], quota: u32) {
    let in_school = surveys
        .iter()
        .flat_map(|s| &s.children)
        .filter(|c| !c.is_out_of_school())
        .count() as u32;
    assert!(
        in_school >= quota,
        "{in_school} children in school, fewer than {quota}"
    );
    let mut excess = in_school - quota;
    while excess > 0 {
        for survey in surveys.iter_mut().rev() {
            if excess == 0 {
                break;
            }
            if let Some(at) = survey.children.iter().rposition(|c| !c.is_out_of_school()) {
                survey.children.remove(at);
                excess -= 1;
            }
        }
    }
}

/// Visits to every out-of-school child; exactly the quota of girls and of boys enrolled.
fn follow_ups_for(
    surveys: &[HouseholdSurvey],
    quota: CampaignFigures,
    options: &DemoOptions,
) -> Vec<FollowUp> {
    let (mut girls, mut boys) = (quota.enrolled_girls, quota.enrolled_boys);
    let mut out = Vec::new();
    for survey in surveys {
        for child in survey.children.iter().filter(|c| c.is_out_of_school()) {
            let left = match child.sex {
                ChildSex::Girl => &mut girls,
                _ => &mut boys,
            };
            let enrol = *left > 0;
            if enrol {
                *left -= 1;
            }
            fixed_follow_ups(survey, child, enrol, options, &mut out);
        }
    }
    out
}

/// A boundary wall found missing at a school with no need recorded.
fn first_need(school: &School, options: &DemoOptions) -> InfrastructureNeed {
    let mut rng = Rng::keyed(options.seed, format!("first need {}", school.id).as_bytes());
    let identified_on = options.today - Days::new(60);
    let millis = visit_millis(&mut rng, identified_on);
    InfrastructureNeed {
        id: NeedId(uuid_at(&mut rng, millis)),
        school_id: school.id,
        category: NeedCategory::BoundaryWall,
        severity: Severity::High,
        description: None,
        photo: None,
        identified_on,
        reported_by: "LSO survey team".into(),
        raised_on: None,
        raised_with: None,
        promised_on: None,
        resolved_on: None,
    }
}

/// The schools' needs, with exactly `improved` schools that have one resolved.
fn needs_for(schools: &[School], improved: u32, options: &DemoOptions) -> Vec<InfrastructureNeed> {
    let mut needs = demo_needs(schools, options);
    for need in &mut needs {
        need.resolved_on = None;
    }
    for school in schools.iter().take(improved as usize) {
        let index = match needs.iter().position(|n| n.school_id == school.id) {
            Some(index) => index,
            None => {
                needs.push(first_need(school, options));
                needs.len() - 1
            }
        };
        let need = &mut needs[index];
        let raised = need.identified_on + Days::new(3);
        let promised = raised + Days::new(5);
        need.raised_on = Some(raised);
        need.promised_on = Some(promised);
        need.resolved_on = Some((promised + Days::new(10)).min(options.today));
    }
    needs
}
