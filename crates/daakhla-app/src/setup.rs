//! Device set-up: whether this phone is enrolled with a server (and as whom, for which union
//! councils), or its user chose to carry on with the demo data for now. Home offers set-up
//! until one of the two is true.

use crate::error::AppError;
use crate::settings::{SERVER_KEY, TOKEN_KEY};
use crate::sync::{EnrolledPlace, Enrolment};
use crate::{App, NoInput};
use daakhla_store::Store;
use serde::Serialize;
use ts_rs::TS;

/// Who the server enrolled this device as, and the places it may sync, kept at enrolment.
pub(crate) const ENROLLED_USER_KEY: &str = "app_enrolled_user";
pub(crate) const ENROLLED_SCOPES_KEY: &str = "app_enrolled_scopes";
pub(crate) const ENROLLED_ROLE_KEY: &str = "app_enrolled_role";
const DEMO_CHOSEN_KEY: &str = "app_setup_demo_chosen";

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SetupState {
    /// None until the device has a server and a token.
    pub enrolment: Option<Enrolment>,
    /// The user chose to look around with the demo data before setting up.
    pub demo_chosen: bool,
}

/// The enrolment the store remembers; none without both a server and a token.
pub(crate) fn enrolment(store: &Store) -> Result<Option<Enrolment>, AppError> {
    let present = |key| -> Result<Option<String>, AppError> {
        Ok(store.setting(key)?.filter(|v| !v.is_empty()))
    };
    let (Some(server_url), Some(_)) = (present(SERVER_KEY)?, present(TOKEN_KEY)?) else {
        return Ok(None);
    };
    let scopes: Vec<String> = present(ENROLLED_SCOPES_KEY)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let mut places = Vec::with_capacity(scopes.len());
    for code in scopes {
        // A place this store has no geography for yet is shown by its code.
        let (en, ur) = match store.place(&code)? {
            Some(place) => (place.name_en, place.name_ur),
            None => (code.clone(), code.clone()),
        };
        places.push(EnrolledPlace { code, en, ur });
    }
    Ok(Some(Enrolment {
        server_url,
        user: present(ENROLLED_USER_KEY)?.unwrap_or_default(),
        places,
    }))
}

impl App {
    pub fn setup(&self, _: NoInput) -> Result<SetupState, AppError> {
        let store = self.store();
        Ok(SetupState {
            enrolment: enrolment(&store)?,
            demo_chosen: store.setting(DEMO_CHOSEN_KEY)?.is_some_and(|v| v == "yes"),
        })
    }

    /// Carries on with the demo data: home stops offering set-up (settings still does).
    pub fn use_demo_data(&self, _: NoInput) -> Result<SetupState, AppError> {
        self.store().set_setting(DEMO_CHOSEN_KEY, "yes")?;
        self.setup(NoInput {})
    }
}
