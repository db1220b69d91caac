//! Findings on the web: recording (with the personal-data guard), reading, editing,
//! deleting, searching, exporting and importing.

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::error::AppError;
use crate::i18n::Lang;
use crate::store::DynStore;
use crate::store::findings::{Locality, PolicyArea};

pub mod export;
pub mod filters;
pub mod form;
pub mod import;
pub mod list;
pub mod save;
pub mod show;

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/findings", get(list::search_page).post(form::create))
        .route("/findings/new", get(form::new_form))
        .route("/findings/export.csv", get(export::csv))
        .route("/findings/export.xlsx", get(export::xlsx))
        .route(
            "/findings/import",
            get(import::upload_form)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(crate::web::UPLOAD_LIMIT_BYTES)),
        )
        .route(
            "/findings/import/{id}",
            get(import::mapping_page).post(import::preview_or_commit),
        )
        .route("/findings/{id}", get(show::show).post(form::update))
        .route("/findings/{id}/edit", get(form::edit_form))
        .route("/findings/{id}/delete", post(show::delete))
        .route("/findings/{id}/link", post(show::link_to_issue))
        .route("/findings/{id}/propose", post(show::propose))
        .route("/findings/link", post(show::bulk_link))
}

/// The policy areas and localities, loaded once per request for labels and choices.
pub struct Taxonomy {
    pub areas: Vec<PolicyArea>,
    pub localities: Vec<Locality>,
}

impl Taxonomy {
    pub async fn load(store: &DynStore) -> Result<Taxonomy, AppError> {
        Ok(Taxonomy {
            areas: store.list_policy_areas().await?,
            localities: store.list_localities().await?,
        })
    }

    /// The taxonomy as of its current version (see `web::cache`): read once, reused
    /// until an area or place changes.
    pub async fn cached(
        state: &crate::web::AppState,
    ) -> Result<std::sync::Arc<Taxonomy>, AppError> {
        state
            .cache
            .get_or(&state.store, "taxonomy".into(), &["taxonomy"], || {
                Taxonomy::load(&state.store)
            })
            .await
    }

    pub fn area_name(&self, id: i64, lang: Lang) -> String {
        self.areas
            .iter()
            .find(|a| a.id == id)
            .map(|a| area_label(a, lang).to_string())
            .unwrap_or_else(|| format!("#{id}"))
    }

    pub fn locality(&self, id: i64) -> Option<&Locality> {
        self.localities.iter().find(|l| l.id == id)
    }

    /// "宁波市 › 慈溪市 › 坎墩街道 › 清水湾社区"
    pub fn locality_trail(&self, path: &str, lang: Lang) -> String {
        path.split('/')
            .filter_map(|id| id.parse::<i64>().ok())
            .filter_map(|id| self.locality(id))
            .map(|l| locality_label(l, lang).to_string())
            .collect::<Vec<_>>()
            .join(" › ")
    }

    /// Options for a locality `<select>`, indented by depth, active ones only (plus
    /// `keep`, the current choice, even if it was deactivated since).
    pub fn locality_options(&self, lang: Lang, keep: Option<i64>) -> Vec<(String, String)> {
        self.localities
            .iter()
            .filter(|l| l.active || Some(l.id) == keep)
            .map(|l| {
                let depth = l.path.matches('/').count().saturating_sub(2);
                (
                    l.id.to_string(),
                    format!("{}{}", "\u{3000}".repeat(depth), locality_label(l, lang)),
                )
            })
            .collect()
    }

    pub fn area_options(&self, lang: Lang, keep: Option<i64>) -> Vec<(String, String)> {
        self.areas
            .iter()
            .filter(|a| a.active || Some(a.id) == keep)
            .map(|a| (a.id.to_string(), area_label(a, lang).to_string()))
            .collect()
    }
}

pub fn area_label(a: &PolicyArea, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &a.name_zh,
        Lang::En => &a.name_en,
    }
}

pub fn locality_label(l: &Locality, lang: Lang) -> &str {
    match lang {
        Lang::En if !l.name_en.is_empty() => &l.name_en,
        _ => &l.name_zh,
    }
}

/// Amounts as people write them: 4500, 4,500.5.
pub fn format_amount(v: f64) -> String {
    let rounded = (v * 100.0).round() / 100.0;
    let whole = rounded.trunc() as i64;
    let mut digits = whole.abs().to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(",{tail}{grouped}");
    }
    grouped = format!("{}{digits}{grouped}", if whole < 0 { "-" } else { "" });
    let frac = (rounded.fract().abs() * 100.0).round() as i64;
    if frac == 0 {
        grouped
    } else if frac % 10 == 0 {
        format!("{grouped}.{}", frac / 10)
    } else {
        format!("{grouped}.{frac:02}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_are_grouped_by_thousands() {
        assert_eq!(super::format_amount(4500.0), "4,500");
        assert_eq!(super::format_amount(800.0), "800");
        assert_eq!(super::format_amount(1234567.5), "1,234,567.5");
        assert_eq!(super::format_amount(0.25), "0.25");
    }
}
