//! What advocacy won: issues closed as achieved or partly achieved in the period,
//! policy changes that took effect with the people they reach, and the policy ledger
//! drawn as step charts (the allowance at 800, then 2,000).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::{Choices, Selectors, View, ViewQuery};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::store::reports::ReportScope;
use crate::web::AppState;
use crate::web::charts::{self, Heads};
use crate::web::context::CurrentUser;
use crate::web::findings::{Taxonomy, format_amount};
use crate::web::layout::{self, PageCtx};

/// At most this many step charts: the parameters that have changed at all (the ledger
/// tells its story whatever the period), most recent change first.
const CHARTS: usize = 8;

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
    let scope = ReportScope {
        area_id: view.area_id,
        org_id: None,
    };
    let facts = state
        .cache
        .get_or(
            &state.store,
            format!("outcomes:{:?}:{:?}", view.period, scope),
            &["parameters", "issues"],
            || async {
                let changes = state.store.outcome_facts(view.period, scope).await?;
                let closed: Vec<_> = state
                    .store
                    .closed_facts(view.period, scope)
                    .await?
                    .into_iter()
                    .filter(|c| matches!(c.resolution.as_str(), "achieved" | "partially_achieved"))
                    .collect();
                let parameters = state.store.list_parameters().await?;
                let values = state.store.all_parameter_values().await?;
                Ok((changes, closed, parameters, values))
            },
        )
        .await?;
    let (changes, closed, parameters, values) = (&facts.0, &facts.1, &facts.2, &facts.3);
    let beneficiaries: i64 = changes.iter().filter_map(|c| c.beneficiaries).sum();
    let achieved = closed.iter().filter(|c| c.resolution == "achieved").count();
    let partly = closed.len() - achieved;
    // Step charts of the parameters whose value has changed.
    let mut changed: Vec<(&crate::store::parameters::ParameterRow, chrono::NaiveDate)> = parameters
        .iter()
        .filter_map(|p| {
            let dates: Vec<chrono::NaiveDate> = values
                .iter()
                .filter(|v| v.parameter_id == p.id)
                .map(|v| v.valid_from)
                .collect();
            let last = dates.iter().max().copied()?;
            (dates.len() > 1).then_some((p, last))
        })
        .collect();
    changed.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
    changed.truncate(CHARTS);
    let name = |zh: &str, en: &str| match lang {
        Lang::En if !en.is_empty() => en.to_string(),
        _ => zh.to_string(),
    };
    let tax = Taxonomy::cached(&state).await?;
    let body = layout::page(
        &page,
        tr.t("dash.outcomes"),
        html! {
            h1 { (tr.t("dash.title")) }
            (super::tabs(tr, &view, "/dashboards/outcomes"))
            (super::selectors(&page, "/dashboards/outcomes", &view,
                Selectors { period: true, area: true, ..Selectors::default() },
                &Choices { tax: &tax, orgs: &[], owners: &[], departments: &[] }))
            ul.figures {
                li { span.figure { (achieved) } " " (tr.t("dash.achieved")) }
                li { span.figure { (partly) } " " (tr.t("dash.partly")) }
                li { span.figure { (changes.len()) } " " (tr.t("report.outcomes_count")) }
                li { span.figure { (beneficiaries) } " " (tr.t("report.beneficiaries")) }
            }
            section.card #won {
                h2 { (tr.t("dash.closed_won")) }
                @if closed.is_empty() {
                    p.muted { (tr.t("report.none_closed")) }
                } @else {
                    table.list {
                        thead { tr { th scope="col" { (tr.t("report.issue")) } th scope="col" { (tr.t("report.resolution")) } th scope="col" { (tr.t("report.closed_on")) } } }
                        tbody {
                            @for c in closed {
                                tr {
                                    td { a href={ "/issues/" (c.issue_id) } { "#" (c.issue_id) " " (c.title) } }
                                    td { (tr.t(crate::web::issues::lifecycle::resolution_key(&c.resolution))) }
                                    td { (c.closed_on) }
                                }
                            }
                        }
                    }
                }
            }
            section.card #changes {
                h2 { (tr.t("report.outcomes")) }
                @if changes.is_empty() {
                    p.muted { (tr.t("report.none_outcomes")) }
                } @else {
                    div.table-scroll {
                        table.list {
                            thead { tr {
                                th scope="col" { (tr.t("report.parameter")) }
                                th scope="col" { (tr.t("report.before")) }
                                th scope="col" { (tr.t("report.after")) }
                                th scope="col" { (tr.t("parameters.valid_from")) }
                                th scope="col" { (tr.t("parameters.beneficiaries")) }
                                th scope="col" { (tr.t("report.won_by")) }
                            } }
                            tbody {
                                @for c in changes {
                                    tr {
                                        td { (name(&c.parameter_zh, &c.parameter_en)) }
                                        td.num { (c.before.map(format_amount).unwrap_or_else(|| "—".into())) }
                                        td.num { (format_amount(c.after)) " " (c.unit) }
                                        td { (c.valid_from) }
                                        td.num { (c.beneficiaries.map(|b| b.to_string()).unwrap_or_else(|| "—".into())) }
                                        td { @if let (Some(id), Some(t)) = (c.issue_id, &c.issue_title) { a href={ "/issues/" (id) } { "#" (id) " " (t) } } @else { "—" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @for (p, _) in &changed {
                @let points: Vec<(chrono::NaiveDate, f64)> = values.iter().filter(|v| v.parameter_id == p.id).map(|v| (v.valid_from, v.value)).collect();
                @let title = name(&p.name_zh, &p.name_en);
                @let summary = points.iter().map(|(d, v)| format!("{d}: {} {}", format_amount(*v), p.unit)).collect::<Vec<_>>().join("; ");
                (charts::steps(&format!("ledger-{}", p.id), &title, &summary,
                    Heads { label: tr.t("parameters.valid_from"), value: &p.unit }, &points, view.period.to.max(today)))
                p { a href={ "/parameters/" (p.id) } { (tr.t("dash.ledger_link")) } }
            }
        },
    );
    Ok(body.into_response())
}
