//! Places to survey in, and search.

use crate::App;
use crate::error::AppError;
use daakhla_domain::geography::Level;
use daakhla_store::SearchPage;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The union councils (no parent) or the villages of one union council.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct PlacesRequest {
    /// A union council's code: its villages. None: every union council.
    pub union_council: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PlaceChoice {
    pub code: String,
    pub en: String,
    pub ur: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SearchRequest {
    pub text: String,
    /// The first hit of the page wanted; 0 when left out.
    #[serde(default)]
    #[ts(optional)]
    pub offset: Option<u32>,
}

/// Hits a page shows: enough for a phone's screen; the next page comes when asked.
pub const SEARCH_PAGE: usize = 30;

impl App {
    pub fn places(&self, request: PlacesRequest) -> Result<Vec<PlaceChoice>, AppError> {
        let (level, parent) = match &request.union_council {
            Some(uc) => (Level::Village, Some(uc.as_str())),
            None => (Level::UnionCouncil, None),
        };
        Ok(self
            .store()
            .places(level, parent)?
            .into_iter()
            .map(|p| PlaceChoice {
                code: p.code,
                en: p.name_en,
                ur: p.name_ur,
            })
            .collect())
    }

    pub fn search(&self, request: SearchRequest) -> Result<SearchPage, AppError> {
        Ok(self.store().search_page(
            &request.text,
            request.offset.unwrap_or(0) as usize,
            SEARCH_PAGE,
        )?)
    }
}
