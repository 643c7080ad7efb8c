//! The reference campaign (the seeds' 152 union councils, `daakhla_demo::campaign`) loaded
//! into a server's records as rows only: what the report tests check the programme's
//! figures against, what the dashboard is timed on, and demo data for a dashboard.

use crate::{RowsOnly, Server, ServerError};
use chrono::NaiveDate;
use daakhla_demo::{
    CampaignFigures, DemoOptions, SEEDS_CAMPAIGN, campaign_geography, campaign_quotas, campaign_uc,
};
use daakhla_domain::geography::Geography;

/// The reference data set's seed and last day: fixed, so its weeks are the same every day.
pub const REFERENCE_SEED: u64 = 2026;
pub const REFERENCE_END: NaiveDate = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();

/// Loads the campaign's places and the rows of its first `ucs` union councils (all when
/// none), calling `progress(done, of)` after each; returns what they add up to.
pub fn load_reference_campaign(
    server: &Server,
    ucs: Option<usize>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<CampaignFigures, ServerError> {
    let reference: Geography = serde_json::from_str(daakhla_domain::geography::REFERENCE_JSON)?;
    let geo = campaign_geography(&reference);
    server.import_geography(&geo)?;
    let options = DemoOptions::new(REFERENCE_SEED, REFERENCE_END);
    let quotas = campaign_quotas(&geo, SEEDS_CAMPAIGN, REFERENCE_SEED);
    let count = ucs.unwrap_or(quotas.len()).min(quotas.len());
    let mut sum = CampaignFigures::default();
    for (i, quota) in quotas.iter().take(count).enumerate() {
        let uc = campaign_uc(&geo, i, *quota, &options);
        server.load_rows_only(&RowsOnly {
            surveys: &uc.surveys,
            follow_ups: &uc.follow_ups,
            schools: &uc.schools,
            needs: &uc.needs,
        })?;
        sum.osc_girls += quota.osc_girls;
        sum.osc_boys += quota.osc_boys;
        sum.enrolled_girls += quota.enrolled_girls;
        sum.enrolled_boys += quota.enrolled_boys;
        sum.schools_improved += quota.schools_improved;
        sum.in_school += quota.in_school;
        progress(i + 1, count);
    }
    server.refresh_statistics()?;
    Ok(sum)
}
