//! Evidence trends: findings per month by policy area, findings by district, and the
//! strongest recurring gaps not yet turned into issues. Counts come from
//! `finding_counts`, exact and a few rows per month. The district breakdown follows the
//! small-cell rule of every evidence summary: a district with fewer findings than the
//! threshold shows "fewer than N" unless the reader's organisation recorded all of them.
//! City-wide counts per area and month do not narrow to a place and are shown as they
//! are.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::{Choices, Selectors, View, ViewQuery};
use crate::domain::evidence::{Cell, Suppression};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::store::dashboards::MonthCount;
use crate::web::AppState;
use crate::web::charts::{self, Bar, Heads, Series};
use crate::web::context::CurrentUser;
use crate::web::findings::{Taxonomy, area_label, locality_label};
use crate::web::layout::{self, PageCtx};

/// How many recurring gaps the page lists.
const CANDIDATES: usize = 5;

/// One district's findings in the view: all, and those of the reader's organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct DistrictCount {
    pub district_id: i64,
    pub findings: i64,
    pub own: i64,
}

/// Per area, one count per month of `months` (zero where none); and per district.
pub fn tabulate(
    counts: &[MonthCount],
    months: &[String],
) -> (BTreeMap<i64, Vec<i64>>, Vec<DistrictCount>) {
    let mut by_area: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut by_district: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for c in counts {
        if let Some(i) = months.iter().position(|m| *m == c.month) {
            by_area
                .entry(c.policy_area_id)
                .or_insert_with(|| vec![0; months.len()])[i] += c.findings;
            let d = by_district.entry(c.district_id).or_default();
            d.0 += c.findings;
            d.1 += c.own;
        }
    }
    let mut districts: Vec<DistrictCount> = by_district
        .into_iter()
        .map(|(district_id, (findings, own))| DistrictCount {
            district_id,
            findings,
            own,
        })
        .collect();
    districts.sort_by(|a, b| {
        b.findings
            .cmp(&a.findings)
            .then(a.district_id.cmp(&b.district_id))
    });
    (by_area, districts)
}

pub async fn page(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Query(q): Query<ViewQuery>,
) -> Result<Response, AppError> {
    if !super::may_view(user.role) {
        return Err(AppError::Forbidden);
    }
    let tr = page.tr();
    let lang = page.ctx.lang;
    let today = super::today();
    let view = View::from_query(&q, today);
    let months = view.months();
    // The counts are by month: a period starting mid-month counts its whole month.
    let (first, last) = (
        months.first().cloned().unwrap_or_default(),
        months.last().cloned().unwrap_or_default(),
    );
    let counts = state
        .cache
        .get_or(
            &state.store,
            format!("counts:{first}:{last}:{:?}:{}", view.area_id, user.org_id),
            &["findings"],
            || async {
                Ok(state
                    .store
                    .finding_counts(&first, &last, view.area_id, user.org_id)
                    .await?)
            },
        )
        .await?;
    let (by_area, districts) = tabulate(&counts, &months);
    let tax = Taxonomy::cached(&state).await?;
    let threshold = state.settings.small_cell;
    let few = tr.f("issues.fewer_than", &[("n", &threshold.to_string())]);
    let total: i64 = districts.iter().map(|d| d.findings).sum();

    let series: Vec<Series> = by_area
        .iter()
        .map(|(area, values)| Series {
            name: tax.area_name(*area, lang),
            values: values.iter().map(|v| Some(*v as f64)).collect(),
            shown: values.iter().map(|v| v.to_string()).collect(),
        })
        .collect();
    let month_totals: Vec<i64> = (0..months.len())
        .map(|i| by_area.values().map(|v| v[i]).sum())
        .collect();
    let busiest = month_totals
        .iter()
        .enumerate()
        .max_by_key(|(i, v)| (**v, std::cmp::Reverse(*i)))
        .map(|(i, v)| (months[i].clone(), *v));
    let month_summary = tr.f(
        "dash.months_summary",
        &[
            ("total", &total.to_string()),
            ("areas", &by_area.len().to_string()),
            (
                "busiest",
                &busiest
                    .map(|(m, v)| format!("{m} ({v})"))
                    .unwrap_or_else(|| "—".into()),
            ),
        ],
    );

    let district_bars: Vec<Bar> = districts
        .iter()
        .map(|d| {
            let insider = user.role == Role::Admin || d.own == d.findings;
            let sup = Suppression { threshold, insider };
            let name = if d.district_id == 0 {
                tr.t("dash.citywide").to_string()
            } else {
                tax.locality(d.district_id)
                    .map(|l| locality_label(l, lang).to_string())
                    .unwrap_or_else(|| format!("#{}", d.district_id))
            };
            match sup.shown(d.findings as usize) {
                Cell::Exact(n) => Bar {
                    label: name,
                    value: Some(n as f64),
                    shown: n.to_string(),
                    href: None,
                },
                Cell::Few => Bar {
                    label: name,
                    value: None,
                    shown: few.clone(),
                    href: None,
                },
            }
        })
        .collect();
    let district_summary = tr.f(
        "dash.districts_summary",
        &[
            ("n", &districts.len().to_string()),
            (
                "top",
                &district_bars
                    .iter()
                    .find(|b| b.value.is_some())
                    .map(|b| format!("{} ({})", b.label, b.shown))
                    .unwrap_or_else(|| "—".into()),
            ),
        ],
    );

    let candidates = state
        .cache
        .get_or(
            &state.store,
            format!("candidates:{:?}", view.area_id),
            &["candidates"],
            || async {
                Ok(state
                    .store
                    .top_candidates(view.area_id, CANDIDATES as i64)
                    .await?)
            },
        )
        .await?;

    let body = layout::page(
        &page,
        tr.t("dash.evidence"),
        html! {
            h1 { (tr.t("dash.title")) }
            (super::tabs(tr, &view, "/dashboards/evidence"))
            (super::selectors(&page, "/dashboards/evidence", &view,
                Selectors { period: true, area: true, ..Selectors::default() },
                &Choices { tax: &tax, orgs: &[], owners: &[], departments: &[] }))
            @if total == 0 {
                p.empty { (tr.t("report.none_findings")) }
            } @else {
                (charts::stacked_columns("chart-months", tr.t("dash.months_chart"), &month_summary,
                    tr.t("finding.policy_area"), &months, &series))
                (charts::bars("chart-districts", tr.t("dash.districts_chart"), &district_summary,
                    Heads { label: tr.t("dash.district"), value: tr.t("report.findings") }, &district_bars))
                p.muted { (tr.f("issues.suppressed_note", &[("n", &threshold.to_string())])) }
            }
            section.card #strongest-gaps {
                h2 { (tr.t("dash.strongest_gaps")) }
                @if candidates.is_empty() {
                    p.muted { (tr.t("dash.no_candidates")) }
                } @else {
                    ol {
                        @for c in candidates.iter() {
                            li {
                                a href={ "/candidates#candidate-" (c.id) } { (crate::web::candidates::suggested_title(c, tr)) }
                                " · " (tax.areas.iter().find(|a| a.id == c.area_id).map(|a| area_label(a, lang).to_string()).unwrap_or_default())
                                br;
                                span.muted { (tr.f("dash.candidate_line", &[
                                    ("findings", &c.finding_ids.len().to_string()),
                                    ("workers", &c.workers.to_string()),
                                    ("orgs", &c.organisations.to_string()),
                                ])) " · " (crate::web::candidates::shared_labels(c, lang).join("、")) }
                            }
                        }
                    }
                }
            }
        },
    );
    Ok(body.into_response())
}
