//! The device's settings (language, the resource person's name, the work area) and the
//! survey draft, all kept in the store so a restart loses none of them.

use crate::error::AppError;
use crate::{App, NoInput};
use daakhla_domain::Lang;
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

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Settings {
    #[ts(type = "Lang")]
    pub lang: Lang,
    pub surveyor_name: String,
    /// The union council this device works in, if chosen.
    pub uc_code: Option<String>,
    pub server_url: Option<String>,
    /// The token itself never goes back to the UI.
    pub has_token: bool,
    pub device_id: String,
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
        Ok(Settings {
            lang,
            surveyor_name: store.setting(NAME_KEY)?.unwrap_or_default(),
            uc_code: store.setting(UC_KEY)?.filter(|c| !c.is_empty()),
            server_url: store.setting(SERVER_KEY)?.filter(|u| !u.is_empty()),
            has_token: store.setting(TOKEN_KEY)?.is_some_and(|t| !t.is_empty()),
            device_id: store.device_id().to_string(),
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
                (SERVER_KEY, &input.server_url),
                (TOKEN_KEY, &input.token),
            ];
            for (key, value) in text {
                if let Some(value) = value {
                    store.set_setting(key, value.trim())?;
                }
            }
            let name = store.setting(NAME_KEY)?.unwrap_or_default();
            store.set_author(if name.is_empty() {
                "unknown".into()
            } else {
                name
            });
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
