//! The device's settings (language, the resource person's name, the work area) and the
//! survey draft, all kept in the store so a restart loses none of them.

use crate::error::AppError;
use crate::setup::{ENROLLED_ROLE_KEY, ENROLLED_USER_KEY};
use crate::{App, NoInput};
use daakhla_domain::Lang;
use daakhla_store::Store;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

const LANG_KEY: &str = "app_lang";
pub(crate) const NAME_KEY: &str = "app_surveyor_name";
const UC_KEY: &str = "app_uc_code";
const DRAFT_KEY: &str = "app_survey_draft";
pub(crate) const LAST_SYNC_KEY: &str = "app_last_sync";
/// The same keys as `daakhla sync`, so the command line and the app share one enrolment.
pub(crate) const SERVER_KEY: &str = "server_url";
pub(crate) const TOKEN_KEY: &str = "server_token";
/// The role, as `GET /v1/whoami` names it, of a phone that works door to door.
pub(crate) const RESOURCE_PERSON: &str = "resource_person";

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Settings {
    #[ts(type = "Lang")]
    pub lang: Lang,
    /// The name set here, or else the user the phone was enrolled as: what "Surveyed by" and
    /// "Visited by" start with.
    pub surveyor_name: String,
    /// The union council this device works in, if chosen.
    pub uc_code: Option<String>,
    pub server_url: Option<String>,
    /// The token itself never goes back to the UI.
    pub has_token: bool,
    pub device_id: String,
    /// The role the server enrolled this phone as (`resource_person`, `coordinator`, ...),
    /// when it said.
    pub role: Option<String>,
    /// Whether the server's address and the token are shown: before enrolment, and to
    /// coordinators (and wider roles) after; never to a resource person once enrolled.
    pub shows_server: bool,
}

/// What to change; a field left null stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SettingsInput {
    #[ts(type = "Lang | null")]
    pub lang: Option<Lang>,
    pub surveyor_name: Option<String>,
    pub uc_code: Option<String>,
    pub server_url: Option<String>,
    pub token: Option<String>,
}

/// The wizard's state as the UI keeps it: opaque to the app, kept until saved or discarded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Draft {
    pub text: Option<String>,
}

impl App {
    pub fn settings(&self, _: NoInput) -> Result<Settings, AppError> {
        let store = self.store();
        let lang = store
            .setting(LANG_KEY)?
            .and_then(|code| Lang::from_locale(&code))
            .unwrap_or_default();
        let given = |key| -> Result<Option<String>, AppError> {
            Ok(store.setting(key)?.filter(|v| !v.trim().is_empty()))
        };
        let has_token = given(TOKEN_KEY)?.is_some();
        let role = given(ENROLLED_ROLE_KEY)?;
        let enrolled_by_code = given(ENROLLED_USER_KEY)?.is_some();
        // A token typed in by hand is a technical set-up: its address stays in view.
        let shows_server = !has_token
            || match role.as_deref() {
                Some(role) => role != RESOURCE_PERSON,
                None => !enrolled_by_code,
            };
        Ok(Settings {
            lang,
            surveyor_name: match given(NAME_KEY)? {
                Some(name) => name,
                None => given(ENROLLED_USER_KEY)?.unwrap_or_default(),
            },
            uc_code: given(UC_KEY)?,
            server_url: given(SERVER_KEY)?,
            has_token,
            device_id: store.device_id().to_string(),
            role,
            shows_server,
        })
    }

    pub fn save_settings(&self, input: SettingsInput) -> Result<Settings, AppError> {
        {
            let mut store = self.store();
            if let Some(lang) = input.lang {
                store.set_setting(LANG_KEY, lang.code())?;
            }
            let text = [
                (NAME_KEY, &input.surveyor_name),
                (UC_KEY, &input.uc_code),
                (TOKEN_KEY, &input.token),
            ];
            for (key, value) in text {
                if let Some(value) = value {
                    store.set_setting(key, value.trim())?;
                }
            }
            if let Some(url) = &input.server_url {
                // Another server forgets the pin the last one was enrolled with.
                daakhla_sync::set_server(&mut store, url)?;
            }
            refresh_author(&mut store)?;
        }
        self.settings(NoInput {})
    }

    pub fn draft(&self, _: NoInput) -> Result<Draft, AppError> {
        Ok(Draft {
            text: self.store().setting(DRAFT_KEY)?.filter(|t| !t.is_empty()),
        })
    }

    /// Keeps the draft; a draft with no text discards it.
    pub fn save_draft(&self, draft: Draft) -> Result<Draft, AppError> {
        self.store()
            .set_setting(DRAFT_KEY, draft.text.as_deref().unwrap_or_default())?;
        self.draft(NoInput {})
    }
}

/// The names this device's worker goes by: the name given in settings, and the user the
/// device was enrolled for. Empty on a device with neither.
pub(crate) fn worker_names(store: &Store) -> Result<Vec<String>, AppError> {
    let mut names = Vec::new();
    for key in [NAME_KEY, crate::setup::ENROLLED_USER_KEY] {
        if let Some(name) = store.setting(key)? {
            let name = name.trim().to_string();
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    Ok(names)
}

/// Names the author of every change from now on: the name given in settings, else the user
/// the device was enrolled for, so no change a known person made says "unknown".
pub(crate) fn refresh_author(store: &mut Store) -> Result<(), AppError> {
    let author = worker_names(store)?
        .into_iter()
        .next()
        .unwrap_or_else(|| "unknown".into());
    store.set_author(author);
    Ok(())
}
