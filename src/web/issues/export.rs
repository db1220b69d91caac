//! The evidence summary of an issue as CSV or XLSX, for briefings and federations.
//! Exports leave the organisation, so small cells are always suppressed, whoever asks.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::load_issue;
use crate::domain::evidence::{self, Cell, EvidenceItem, Suppression};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};
use crate::web::findings::export::defuse_formula;
use crate::web::findings::{Taxonomy, format_amount, locality_label};

const COLUMNS: [&str; 7] = [
    "export.section",
    "export.item",
    "issues.count",
    "issues.median",
    "export.minimum",
    "export.maximum",
    "finding.figure_unit",
];

/// The table every export format writes: one row per summary figure or breakdown cell.
pub fn summary_rows(
    tr: Tr,
    tax: &Taxonomy,
    summary: &evidence::EvidenceSummary,
    sup: Suppression,
) -> Vec<[String; 7]> {
    let lang = tr.lang();
    let count = |n: usize| super::cell(tr, n, sup);
    // Amounts of a suppressed cell could point at one family too: left out with it.
    let amount = |n: usize, v: f64| match sup.shown(n) {
        Cell::Exact(_) => format_amount(v),
        Cell::Few => String::new(),
    };
    let row = |section: &str, item: String, n: String| {
        [
            tr.t(section).to_string(),
            item,
            n,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]
    };
    let mut rows = vec![
        row(
            "issues.evidence",
            tr.t("issues.sum_findings").into(),
            summary.findings.to_string(),
        ),
        row(
            "issues.evidence",
            tr.t("issues.sum_workers").into(),
            summary.workers.to_string(),
        ),
        row(
            "issues.evidence",
            tr.t("issues.sum_orgs").into(),
            summary.organisations.to_string(),
        ),
        row(
            "issues.evidence",
            tr.t("issues.sum_districts").into(),
            summary.districts.to_string(),
        ),
        row(
            "issues.evidence",
            tr.t("issues.sum_people").into(),
            summary.people_affected.to_string(),
        ),
    ];
    if let (Some(a), Some(b)) = (summary.first_observed, summary.last_observed) {
        rows.push(row(
            "issues.evidence",
            tr.t("issues.span").into(),
            format!("{a} – {b}"),
        ));
    }
    for (d, n) in &summary.per_district {
        let name = tax
            .locality(*d)
            .map(|l| locality_label(l, lang).to_string())
            .unwrap_or_else(|| format!("#{d}"));
        rows.push(row("issues.by_district", name, count(*n)));
    }
    for (m, n) in &summary.per_month {
        rows.push(row("issues.by_month", m.clone(), count(*n)));
    }
    for (band, n) in &summary.per_age_band {
        rows.push(row("issues.by_age", band.clone(), count(*n)));
    }
    for (b, k, v, n) in &summary.thresholds {
        rows.push(row(
            "finding.threshold_title",
            format!("{b} · {} · {v}", tr.t(&format!("threshold.{k}"))),
            count(*n),
        ));
    }
    for f in &summary.figures {
        rows.push([
            tr.t("finding.figures").into(),
            f.name.clone(),
            count(f.count),
            amount(f.count, f.median),
            amount(f.count, f.min),
            amount(f.count, f.max),
            f.unit.clone(),
        ]);
    }
    for g in &summary.gaps {
        rows.push([
            tr.t("issues.gaps").into(),
            format!("{} − {}", g.larger, g.smaller),
            count(g.count),
            amount(g.count, g.median_gap),
            amount(g.count, g.min_gap),
            amount(g.count, g.max_gap),
            g.unit.clone(),
        ]);
    }
    rows
}

async fn prepare(
    state: &AppState,
    ctx: &RequestContext,
    id: i64,
) -> Result<(String, Vec<[String; 7]>), AppError> {
    let issue = load_issue(state, id).await?;
    let tax = Taxonomy::cached(state).await?;
    let items: Vec<EvidenceItem> = state
        .store
        .evidence_items(id)
        .await?
        .into_iter()
        .map(|(_, it)| it)
        .collect();
    let summary = evidence::summarise(&items);
    let rows = summary_rows(
        ctx.tr(),
        &tax,
        &summary,
        Suppression::for_export(state.settings.small_cell),
    );
    Ok((format!("issue-{}-evidence", issue.id), rows))
}

fn disposition(name: &str, ext: &str) -> String {
    format!("attachment; filename=\"{name}.{ext}\"")
}

pub async fn csv(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    ctx: RequestContext,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (name, rows) = prepare(&state, &ctx, id).await?;
    let tr = ctx.tr();
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(COLUMNS.iter().map(|k| tr.t(k)))
            .map_err(|e| AppError::Internal(e.into()))?;
        for r in &rows {
            w.write_record(r.iter().map(|c| defuse_formula(c)))
                .map_err(|e| AppError::Internal(e.into()))?;
        }
        w.flush().map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition(&name, "csv")),
        ],
        out,
    )
        .into_response())
}

pub async fn xlsx(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    ctx: RequestContext,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (name, rows) = prepare(&state, &ctx, id).await?;
    let tr = ctx.tr();
    let body = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(tr.t("issues.evidence"))?;
        let bold = Format::new().set_bold();
        for (c, key) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, tr.t(key), &bold)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                sheet.write_string(r as u32 + 1, c as u16, cell)?;
            }
        }
        sheet.set_column_width(0, 18)?;
        sheet.set_column_width(1, 40)?;
        sheet.set_freeze_panes(1, 0)?;
        Ok(book.save_to_buffer()?)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
    .map_err(AppError::Internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition(&name, "xlsx")),
        ],
        body,
    )
        .into_response())
}
