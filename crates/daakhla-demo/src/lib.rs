//! Demo data: tehsils, union councils and villages under the reference districts, household
//! surveys and follow-ups that look like a campaign's and pass every validation rule. The
//! same seed always gives the same records, ids included. Every generated place is marked
//! `demo` and its name says so.
//!
//! Pure functions: no clock, no files, no operating-system randomness. `today` is given, and
//! randomness comes from a small deterministic generator (`rng`).

mod campaign;
mod follow_ups;
mod names;
mod places;
mod rng;
mod schools;
mod surveys;
#[cfg(test)]
mod tests;

pub use campaign::{
    CAMPAIGN_UCS, CampaignFigures, CampaignUc, SEEDS_CAMPAIGN, campaign_geography, campaign_quotas,
    campaign_uc,
};
pub use follow_ups::demo_follow_ups;
pub use places::demo_geography;
pub use schools::{demo_needs, demo_schools};
pub use surveys::demo_surveys;

use chrono::NaiveDate;
use rng::Rng;
use uuid::Uuid;

/// What the generated records depend on besides the geography and their number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// The same seed gives the same records, byte for byte.
    pub seed: u64,
    /// Surveys fall in the 90 days up to and including this date; follow-ups never after it.
    pub today: NaiveDate,
    /// Household numbers in each village start here. To top up a store, pass a number above
    /// every household number in use in its demo villages (the count of households stored
    /// will do when they all came from here); the new households then share no number and
    /// no id with those stored, whatever the seed.
    pub first_household_number: u32,
}

impl DemoOptions {
    pub fn new(seed: u64, today: NaiveDate) -> DemoOptions {
        DemoOptions {
            seed,
            today,
            first_household_number: 1,
        }
    }
}

/// A time on `date` in working hours, 08:00 to 17:00 Pakistan time (UTC+5), in Unix
/// milliseconds.
fn visit_millis(rng: &mut Rng, date: NaiveDate) -> u64 {
    let start = date
        .and_hms_opt(3, 0, 0)
        .expect("03:00 is a valid time")
        .and_utc()
        .timestamp_millis();
    u64::try_from(start).unwrap_or(0) + rng.below(9 * 60 * 60 * 1000)
}

/// A UUIDv7 for the time `millis`, its random part from the generator: time-ordered like
/// the ids a phone makes, yet the same for the same seed.
fn uuid_at(rng: &mut Rng, millis: u64) -> Uuid {
    uuid::Builder::from_unix_timestamp_millis(millis, &rng.bytes()).into_uuid()
}
