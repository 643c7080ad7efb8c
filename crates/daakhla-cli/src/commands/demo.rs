//! `init` and demo data.

use crate::cli::Global;
use crate::error::CliError;
use crate::output::Output;
use daakhla_demo::{
    DemoOptions, SEEDS_CAMPAIGN, campaign_geography, campaign_quotas, campaign_uc, demo_follow_ups,
    demo_geography, demo_needs, demo_schools, demo_surveys,
};
use daakhla_domain::Lang;
use daakhla_domain::geography::{Geography, Level, Place};
use daakhla_domain::input::decode_one;
use daakhla_domain::lang::Bilingual;
use daakhla_store::Store;

/// Demo union councils per district and villages per union council.
const DEMO_UCS_PER_DISTRICT: usize = 2;
const DEMO_VILLAGES_PER_UC: usize = 3;
const DEMO_SCHOOLS_PER_UC: usize = 10;

pub struct DemoSize {
    pub households: usize,
    pub seed: u64,
}

pub fn init(global: &Global, demo: Option<DemoSize>, out: &Output) -> Result<(), CliError> {
    let path = global.store.as_path();
    let ctx = super::context();
    let reference: Geography = decode_one(daakhla_domain::geography::REFERENCE_JSON)?;
    let mut store = super::create(global)?;
    store.import_geography(&reference, &ctx)?;
    if let Some(size) = demo {
        let geo = demo_geography(&reference, DEMO_UCS_PER_DISTRICT, DEMO_VILLAGES_PER_UC);
        store.import_geography(&geo, &ctx)?;
        let options = DemoOptions::new(size.seed, ctx.today);
        let surveys = demo_surveys(&geo, size.households, &options);
        let bar = out.progress(
            surveys.len(),
            "Adding demo households",
            "نمونے کے گھرانے درج ہو رہے ہیں",
        );
        store.add_surveys(&surveys, &ctx, &mut |done| bar.set_position(done as u64))?;
        bar.finish_and_clear();
        let follow_ups = demo_follow_ups(&surveys, &options);
        store.add_follow_ups(&follow_ups, &ctx, &mut |_| {})?;
        // With no households asked for, the demo is its places alone.
        if size.households > 0 {
            let schools = demo_schools(&geo, DEMO_SCHOOLS_PER_UC, &options);
            store.save_schools(&schools, &ctx, &mut |_| {})?;
            store.save_needs(&demo_needs(&schools, &options), &ctx, &mut |_| {})?;
        }
    }
    let counts = store.counts()?;
    out.show(&counts, || match out.lang {
        Lang::En => format!(
            "Created {} with {} places, {} households, {} children, {} follow-ups and {} schools.",
            path.display(),
            counts.places,
            counts.households,
            counts.children,
            counts.follow_ups,
            counts.schools
        ),
        Lang::Ur => format!(
            "{} بن گیا: {} مقامات، {} گھرانے، {} بچے، {} فالو اپ، {} اسکول۔",
            path.display(),
            counts.places,
            counts.households,
            counts.children,
            counts.follow_ups,
            counts.schools
        ),
    });
    Ok(())
}

/// Loads the reference campaign's places and the records of its first `ucs` union councils
/// (all by default), one union council per step of the progress bar.
pub fn campaign(
    store: &mut Store,
    ucs: Option<usize>,
    seed: u64,
    out: &Output,
) -> Result<(), CliError> {
    let ctx = super::context();
    let reference: Geography = decode_one(daakhla_domain::geography::REFERENCE_JSON)?;
    let geo = campaign_geography(&reference);
    store.import_geography(&geo, &ctx)?;
    let options = DemoOptions::new(seed, ctx.today);
    let quotas = campaign_quotas(&geo, SEEDS_CAMPAIGN, seed);
    let count = ucs.unwrap_or(quotas.len()).min(quotas.len());
    let bar = out.progress(
        count,
        "Loading the reference campaign, union council by union council",
        "حوالہ جاتی مہم یونین کونسل وار درج ہو رہی ہے",
    );
    for (i, quota) in quotas.iter().take(count).enumerate() {
        let uc = campaign_uc(&geo, i, *quota, &options);
        store.add_surveys(&uc.surveys, &ctx, &mut |_| {})?;
        store.add_follow_ups(&uc.follow_ups, &ctx, &mut |_| {})?;
        store.save_schools(&uc.schools, &ctx, &mut |_| {})?;
        store.save_needs(&uc.needs, &ctx, &mut |_| {})?;
        bar.set_position(i as u64 + 1);
    }
    bar.finish_and_clear();
    let counts = store.counts()?;
    let loaded = &quotas[..count];
    let sum = |f: fn(&daakhla_demo::CampaignFigures) -> u32| loaded.iter().map(f).sum::<u32>();
    let summary = serde_json::json!({
        "counts": counts,
        "union_councils": geo.union_councils[..count].iter().map(|uc| &uc.code).collect::<Vec<_>>(),
        "figures": {
            "osc_girls": sum(|q| q.osc_girls),
            "osc_boys": sum(|q| q.osc_boys),
            "enrolled_girls": sum(|q| q.enrolled_girls),
            "enrolled_boys": sum(|q| q.enrolled_boys),
            "schools_improved": sum(|q| q.schools_improved),
            "in_school": sum(|q| q.in_school),
        }
    });
    out.show(&summary, || match out.lang {
        Lang::En => format!(
            "Loaded {count} union councils: {} households, {} children, {} follow-ups, {} schools.",
            counts.households, counts.children, counts.follow_ups, counts.schools
        ),
        Lang::Ur => format!(
            "{count} یونین کونسلیں درج ہو گئیں: {} گھرانے، {} بچے، {} فالو اپ، {} اسکول۔",
            counts.households, counts.children, counts.follow_ups, counts.schools
        ),
    });
    Ok(())
}

/// Prints demo surveys for the store's demo villages, numbered after those already used.
pub fn households(store: &Store, count: usize, seed: u64) -> Result<(), CliError> {
    let geo = stored_demo_geography(store)?;
    let mut options = DemoOptions::new(seed, super::context().today);
    options.first_household_number = store.counts()?.households as u32 + 1;
    let surveys = demo_surveys(&geo, count, &options);
    println!(
        "{}",
        serde_json::to_string(&surveys).expect("surveys serialise")
    );
    Ok(())
}

/// The demo union councils and villages a store holds, as a geography.
fn stored_demo_geography(store: &Store) -> Result<Geography, CliError> {
    let as_places = |level| -> Result<Vec<Place>, CliError> {
        Ok(store
            .places(level, None)?
            .into_iter()
            .filter(|p| p.demo)
            .map(|p| Place {
                code: p.code,
                parent: p.parent,
                name: Bilingual {
                    en: p.name_en,
                    ur: p.name_ur,
                },
                demo: true,
            })
            .collect())
    };
    Ok(Geography {
        source: "demo places of the store".into(),
        union_councils: as_places(Level::UnionCouncil)?,
        villages: as_places(Level::Village)?,
        ..Default::default()
    })
}
