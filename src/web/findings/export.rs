//! Exporting the current search as CSV or XLSX. Private fields are filled in only for
//! findings of the viewer's own organisation (all of them for admins); every other row
//! leaves those cells empty.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::filters::FindingFilters;
use super::filters::decode_cursor;
use super::list::next_cursor;
use super::{Taxonomy, format_amount};
use crate::domain::finding::access;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::store::findings::{Finding, FindingSort};
use crate::store::{DynStore, User};
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};

/// The most rows one export holds.
pub const MAX_EXPORT_ROWS: usize = 100_000;

const COLUMNS: [&str; 19] = [
    "export.id",
    "finding.observed_on",
    "finding.policy_area",
    "finding.locality",
    "finding.narrative",
    "finding.people_affected",
    "finding.age_min",
    "finding.age_max",
    "finding.threshold_benefit",
    "finding.threshold_kind",
    "finding.threshold_value",
    "finding.figures",
    "finding.tags",
    "field.org",
    "finding.recorded_by",
    "finding.recorded_at",
    "export.external_id",
    "finding.case_reference",
    "finding.private_notes",
];

/// Every finding the search matches (up to the cap), walking the pages.
pub async fn collect(
    store: &DynStore,
    user: &User,
    filters: &FindingFilters,
    tax: &Taxonomy,
) -> Result<Vec<Finding>, AppError> {
    let mut query = filters
        .to_query(user, &tax.localities)
        .map_err(|_| AppError::BadRequest("filters.invalid"))?;
    query.limit = 500;
    query.after = None;
    let by_score = !query.terms.is_empty() && query.sort == FindingSort::Relevance;
    let mut out = Vec::new();
    loop {
        let mut page = store.search_findings(&query).await?;
        let more = page.len() as i64 > query.limit;
        page.truncate(query.limit as usize);
        let next = next_cursor(&page, by_score);
        out.extend(page);
        if !more || out.len() >= MAX_EXPORT_ROWS {
            break;
        }
        query.after = next.as_deref().and_then(decode_cursor);
    }
    out.truncate(MAX_EXPORT_ROWS);
    Ok(out)
}

/// One finding as export cells, private ones blank unless the viewer may see them.
pub fn row(f: &Finding, user: &User, tax: &Taxonomy, tr: Tr) -> Vec<String> {
    let lang = tr.lang();
    let private = access::sees_private(user.role, user.org_id, f.org_id);
    let figures = f
        .figures
        .iter()
        .map(|g| format!("{}: {} {}", g.name, format_amount(g.amount), g.unit))
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        f.id.to_string(),
        f.observed_on.to_string(),
        tax.area_name(f.policy_area_id, lang),
        tax.locality_trail(&f.locality_path, lang),
        f.narrative.clone(),
        f.people_affected.to_string(),
        f.age_min.map(|v| v.to_string()).unwrap_or_default(),
        f.age_max.map(|v| v.to_string()).unwrap_or_default(),
        f.threshold
            .as_ref()
            .map(|t| t.benefit.clone())
            .unwrap_or_default(),
        f.threshold
            .as_ref()
            .map(|t| tr.t(t.kind.label_key()).to_string())
            .unwrap_or_default(),
        f.threshold
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default(),
        figures,
        f.tags.join(", "),
        f.org_name.clone(),
        f.recorder_name.clone(),
        f.created_at.format("%Y-%m-%d %H:%M").to_string(),
        f.external_id.clone().unwrap_or_default(),
        if private {
            f.case_reference.clone().unwrap_or_default()
        } else {
            String::new()
        },
        if private {
            f.private_notes.clone().unwrap_or_default()
        } else {
            String::new()
        },
    ]
}

/// Spreadsheet programs run cells that start with these as formulas: keep them text.
pub fn defuse_formula(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

fn filename(ext: &str) -> String {
    format!(
        "attachment; filename=\"findings-{}.{ext}\"",
        Utc::now().format("%Y%m%d-%H%M")
    )
}

async fn prepare(
    state: &AppState,
    user: &User,
    filters: &FindingFilters,
) -> Result<(Taxonomy, Vec<Finding>), AppError> {
    if !access::can_view_any(user.role) {
        return Err(AppError::Forbidden);
    }
    let tax = Taxonomy::load(&state.store).await?;
    let found = collect(&state.store, user, filters, &tax).await?;
    Ok((tax, found))
}

pub async fn csv(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: RequestContext,
    Query(filters): Query<FindingFilters>,
) -> Result<Response, AppError> {
    let (tax, found) = prepare(&state, &user, &filters).await?;
    let tr = ctx.tr();
    let body = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        // A byte-order mark, so that Excel opens the UTF-8 (Chinese) text correctly.
        let mut out = vec![0xEF, 0xBB, 0xBF];
        {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(COLUMNS.iter().map(|k| tr.t(k)))?;
            for f in &found {
                w.write_record(row(f, &user, &tax, tr).iter().map(|c| defuse_formula(c)))?;
            }
            w.flush()?;
        }
        Ok(out)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))??;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, filename("csv")),
        ],
        body,
    )
        .into_response())
}

pub async fn xlsx(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: RequestContext,
    Query(filters): Query<FindingFilters>,
) -> Result<Response, AppError> {
    let (tax, found) = prepare(&state, &user, &filters).await?;
    let tr = ctx.tr();
    let body = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(tr.t("findings.title"))?;
        let bold = Format::new().set_bold();
        for (c, key) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, tr.t(key), &bold)?;
        }
        for (r, f) in found.iter().enumerate() {
            for (c, cell) in row(f, &user, &tax, tr).iter().enumerate() {
                // Written as strings, never as formulas.
                sheet.write_string(r as u32 + 1, c as u16, cell)?;
            }
        }
        sheet.set_column_width(4, 60)?;
        sheet.set_freeze_panes(1, 0)?;
        Ok(book.save_to_buffer()?)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))??;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, filename("xlsx")),
        ],
        body,
    )
        .into_response())
}
