//! Departments' responsiveness as a league table: submissions of the period, answered
//! on time, median days to answer, classes of answer, satisfaction — sortable by any
//! of them (links, no script), with the on-time rates as a chart. Counted exactly as
//! the federation report counts them (`domain::report`).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::{Choices, Selectors, View, ViewQuery};
use crate::documents::tables::Value;
use crate::domain::report::{self, DepartmentLine, Tally};
use crate::domain::responses::Satisfaction;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::charts::{self, Bar, Heads};
use crate::web::context::CurrentUser;
use crate::web::findings::Taxonomy;
use crate::web::layout::{self, PageCtx};

/// The league for a view, computed from the store's tallies.
pub async fn league(
    state: &AppState,
    view: &View,
    today: chrono::NaiveDate,
) -> Result<(Vec<DepartmentLine>, DepartmentLine), AppError> {
    let (from, to, as_of) = (view.period.from, view.period.to, view.as_of(today));
    let cached = state
        .cache
        .get_or(
            &state.store,
            format!("league:{from}:{to}:{as_of}"),
            &["submissions"],
            || compute_league(state, from, to, as_of),
        )
        .await?;
    Ok((*cached).clone())
}

async fn compute_league(
    state: &AppState,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    as_of: chrono::NaiveDate,
) -> Result<(Vec<DepartmentLine>, DepartmentLine), AppError> {
    let tallies: Vec<Tally> = state
        .store
        .department_tallies(from, to, as_of)
        .await?
        .into_iter()
        .map(|t| Tally {
            department_id: t.department_id,
            submissions: t.submissions as usize,
            answered: t.answered as usize,
            on_time: t.on_time as usize,
            overdue: t.overdue as usize,
        })
        .collect();
    let days = state.store.answer_days(from, to).await?;
    let latest = state.store.latest_answers(from, to).await?;
    Ok(report::league(&tallies, &days, &latest))
}

fn satisfied_share(l: &DepartmentLine) -> Option<f64> {
    let rated: usize = l.satisfaction.values().sum();
    (rated > 0).then(|| {
        let good = l.satisfaction.get("satisfied").copied().unwrap_or(0)
            + l.satisfaction
                .get("basically_satisfied")
                .copied()
                .unwrap_or(0);
        good as f64 / rated as f64
    })
}

/// Orders the lines by `sort` (best first where there is a best).
fn sort_lines(lines: &mut [DepartmentLine], sort: &str, name: &dyn Fn(i64) -> String) {
    let key = |v: Option<f64>| v.unwrap_or(f64::NEG_INFINITY);
    match sort {
        "name" => lines.sort_by_key(|l| name(l.department_id)),
        "rate" => lines.sort_by(|a, b| key(b.on_time_rate()).total_cmp(&key(a.on_time_rate()))),
        // Fewest days first; none (nothing answered) last.
        "days" => lines.sort_by(|a, b| {
            a.median_days
                .unwrap_or(f64::INFINITY)
                .total_cmp(&b.median_days.unwrap_or(f64::INFINITY))
        }),
        "satisfied" => {
            lines.sort_by(|a, b| key(satisfied_share(b)).total_cmp(&key(satisfied_share(a))))
        }
        "overdue" => lines.sort_by_key(|l| std::cmp::Reverse(l.overdue)),
        _ => {}
    }
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
    let (mut lines, total) = league(&state, &view, today).await?;
    let names = super::department_names(&state, lang).await?;
    let name = |id: i64| {
        names
            .iter()
            .find(|(d, _)| *d == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    sort_lines(&mut lines, &view.sort, &name);
    let scheme = crate::web::issues::answers::scheme(&state).await?;
    let tax = Taxonomy::cached(&state).await?;
    let pct = |v: Option<f64>| Value::opt_percent(v).display();
    let bars: Vec<Bar> = lines
        .iter()
        .map(|l| Bar {
            label: name(l.department_id),
            value: l.on_time_rate().map(|r| (r * 100.0).round()),
            shown: pct(l.on_time_rate()),
            href: Some(format!("/departments/{}", l.department_id)),
        })
        .collect();
    let best = lines
        .iter()
        .filter(|l| l.on_time_rate().is_some())
        .max_by(|a, b| {
            a.on_time_rate()
                .unwrap_or(0.0)
                .total_cmp(&b.on_time_rate().unwrap_or(0.0))
        });
    let summary = tr.f(
        "dash.departments_summary",
        &[
            ("n", &lines.len().to_string()),
            ("rate", &pct(total.on_time_rate())),
            (
                "best",
                &best
                    .map(|l| name(l.department_id))
                    .unwrap_or_else(|| "—".into()),
            ),
        ],
    );
    let sortable = |key: &str, label: &str| {
        let here = view.sort == key;
        html! {
            th scope="col" aria-sort=[here.then_some("descending")] {
                a href=(view.href("/dashboards/departments", Some(key))) { (label) @if here { " ▾" } }
            }
        }
    };
    let body = layout::page(
        &page,
        tr.t("dash.departments"),
        html! {
            h1 { (tr.t("dash.title")) }
            (super::tabs(tr, &view, "/dashboards/departments"))
            (super::selectors(&page, "/dashboards/departments", &view,
                Selectors { period: true, ..Selectors::default() },
                &Choices { tax: &tax, orgs: &[], owners: &[], departments: &[] }))
            p.muted { (tr.t("report.departments_note")) }
            @if lines.is_empty() {
                p.empty { (tr.t("report.none_submissions")) }
            } @else {
                (charts::bars("chart-on-time", tr.t("dash.on_time_chart"), &summary,
                    Heads { label: tr.t("submissions.department"), value: tr.t("report.on_time_rate") }, &bars))
                div.table-scroll {
                    table.list #league {
                        thead { tr {
                            (sortable("name", tr.t("submissions.department")))
                            th scope="col" { (tr.t("report.submissions")) }
                            th scope="col" { (tr.t("report.answered")) }
                            th scope="col" { (tr.t("report.on_time")) }
                            (sortable("overdue", tr.t("report.overdue")))
                            (sortable("rate", tr.t("report.on_time_rate")))
                            (sortable("days", tr.t("report.median_days")))
                            @for c in scheme.classes() { th scope="col" { (tr.f("report.class_share", &[("class", c)])) } }
                            (sortable("satisfied", tr.t("dash.satisfied_share")))
                        } }
                        tbody {
                            @for l in lines.iter().chain(std::iter::once(&total)) {
                                @let is_total = std::ptr::eq(l, &total);
                                tr.total[is_total] data-department=(l.department_id) {
                                    th scope="row" {
                                        @if is_total { (tr.t("report.all_departments")) }
                                        @else { a href={ "/departments/" (l.department_id) } { (name(l.department_id)) } }
                                    }
                                    td.num { (l.submissions) }
                                    td.num { (l.answered) }
                                    td.num { (l.on_time) }
                                    td.num { (l.overdue) }
                                    td.num { (pct(l.on_time_rate())) }
                                    td.num { (Value::opt_number(l.median_days).display()) }
                                    @for c in scheme.classes() { td.num { (pct(l.class_share(c))) } }
                                    td.num { (pct(satisfied_share(l))) }
                                }
                            }
                        }
                    }
                }
                p.muted { (tr.f("dash.satisfied_note", &[
                    ("a", tr.t(Satisfaction::Satisfied.key())),
                    ("b", tr.t(Satisfaction::BasicallySatisfied.key())),
                ])) }
            }
        },
    );
    Ok(body.into_response())
}
