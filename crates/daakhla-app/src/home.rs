//! Today's work, the first screen: what was surveyed, who is still to be followed up, which
//! retention checks are due or overdue, and the last sync.

use crate::error::AppError;
use crate::outbox::{HeldBackNotice, RecordCounts};
use crate::sync::SyncResult;
use crate::vocabulary::{Choice, choice};
use crate::{App, NoInput};
use chrono::{Days, NaiveDate};
use daakhla_domain::ids::{ChildId, HouseholdId};
use daakhla_domain::lifecycle::Stage;
use serde::Serialize;
use ts_rs::TS;

/// A retention check falls "due" this many days before its date.
const DUE_SOON_DAYS: u64 = 7;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Today {
    #[ts(type = "string")]
    pub date: NaiveDate,
    pub households_surveyed_today: u32,
    pub households: u32,
    /// Out-of-school children still to get into school.
    pub osc_to_follow_up: u32,
    /// Of those, the ones nobody has visited since the survey.
    pub osc_not_yet_visited: u32,
    /// Retention checks falling due within a week, and those past their date.
    pub checks_due: Vec<CheckDue>,
    pub checks_overdue: u32,
    pub last_sync: Option<SyncResult>,
    pub changes_waiting_to_send: u32,
    /// What the next sync will send, in records.
    pub waiting_to_send: RecordCounts,
    /// Households (or schools) the server would not take from this phone, each named, with
    /// what to do: never counted as waiting, never silent.
    pub held_back: Vec<HeldBackNotice>,
    pub conflicts: u32,
}

/// A retention check to do soon, or late.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CheckDue {
    #[ts(type = "string")]
    pub child_id: ChildId,
    pub name: String,
    pub village_code: String,
    pub household_number: String,
    pub milestone: Choice,
    #[ts(type = "string")]
    pub due_on: NaiveDate,
    pub overdue: bool,
}

impl App {
    /// What this worker has to do: the households they surveyed (on this device, or as the
    /// enrolled user anywhere) and those households' children. A device nobody has named or
    /// enrolled (the demo) counts everything it holds.
    pub fn today_work(&self, _: NoInput) -> Result<Today, AppError> {
        let date = self.today();
        let store = self.store();
        let names = crate::settings::worker_names(&store)?;
        let mine = if names.is_empty() {
            None
        } else {
            Some(store.households_surveyed_by(store.device_id(), &names)?)
        };
        let is_mine = |id: &HouseholdId| mine.as_ref().is_none_or(|m| m.contains(id));
        let households: Vec<_> = store
            .households(None, None)?
            .into_iter()
            .filter(|h| is_mine(&h.id))
            .collect();
        let today_text = date.to_string();
        let osc: Vec<_> = store
            .follow_ups_due(None, None)?
            .into_iter()
            .filter(|o| is_mine(&o.household_id))
            .collect();
        let due_by = date + Days::new(DUE_SOON_DAYS);
        let mut checks_due = Vec::new();
        for id in store.enrolled_children()? {
            let story = store.child_story(id)?;
            if !is_mine(&story.child.household_id) {
                continue;
            }
            for check in story.lifecycle.retention.iter().filter(|c| !c.done) {
                if check.due_on <= due_by {
                    checks_due.push(CheckDue {
                        child_id: id,
                        name: story.child.name.clone(),
                        village_code: story.village_code.clone(),
                        household_number: story.household_number.clone(),
                        milestone: choice(check.milestone),
                        due_on: check.due_on,
                        overdue: check.due_on < date,
                    });
                }
            }
        }
        checks_due.sort_by_key(|c| c.due_on);
        let last_sync = store
            .setting(crate::settings::LAST_SYNC_KEY)?
            .and_then(|text| serde_json::from_str(&text).ok());
        let unsent = crate::outbox::unsent(&store)?;
        Ok(Today {
            waiting_to_send: crate::outbox::waiting(&unsent),
            held_back: crate::outbox::held_back_notices(&store, &unsent)?,
            date,
            households_surveyed_today: count(
                households.iter().filter(|h| h.surveyed_on == today_text),
            ),
            households: count(households.iter()),
            osc_to_follow_up: count(osc.iter()),
            osc_not_yet_visited: count(osc.iter().filter(|o| o.stage == Stage::OutOfSchool)),
            checks_overdue: count(checks_due.iter().filter(|c| c.overdue)),
            checks_due,
            last_sync,
            changes_waiting_to_send: u32::try_from(store.changes_waiting_to_push()?)
                .unwrap_or(u32::MAX),
            conflicts: count(store.conflicts()?.iter()),
        })
    }
}

fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
}
