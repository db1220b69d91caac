//! The dashboards a federation runs its advocacy from: the pipeline of issues, replies
//! due and overdue, departments' responsiveness, evidence trends, outcomes. Each is a
//! page whose period and scope live in the address (so a view can be bookmarked and
//! shared), with charts drawn on the server ([`crate::web::charts`]). Every figure is
//! read from exact summaries kept with the data (see `store::dashboards`), so a page
//! costs a few small queries however large the federation.

use axum::routing::{get, post};
use chrono::{Datelike, Months, NaiveDate};
use maud::{Markup, html};
use serde::Deserialize;

use crate::domain::finding::today_in_china;
use crate::domain::report::Period;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::store::Organisation;
use crate::web::AppState;
use crate::web::findings::Taxonomy;
use crate::web::layout::PageCtx;

pub mod departments;
pub mod evidence;
pub mod outcomes;
pub mod pipeline;
pub mod replies;

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/dashboards", get(pipeline::page))
        .route("/dashboards/pipeline", get(pipeline::page))
        .route("/dashboards/pipeline/move", post(pipeline::move_card))
        .route("/dashboards/replies", get(replies::page))
        .route("/dashboards/departments", get(departments::page))
        .route("/dashboards/evidence", get(evidence::page))
        .route("/dashboards/outcomes", get(outcomes::page))
}

/// Everyone but a front-line worker (whose home page shows what is theirs).
pub fn may_view(role: Role) -> bool {
    role != Role::Worker
}

/// What a dashboard's address may say: the period, the scope, the board's filters, a
/// sort order. Unknown or unreadable values fall back to the defaults, which the page
/// then shows in its selectors.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ViewQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub area_id: String,
    #[serde(default)]
    pub org_id: String,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub department_id: String,
    #[serde(default)]
    pub sort: String,
}

fn id(s: &str) -> Option<i64> {
    s.trim().parse().ok().filter(|v| *v > 0)
}

/// The view a query asks for, made whole.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub period: Period,
    /// The period was given but could not be read (the default is shown instead).
    pub period_error: Option<&'static str>,
    pub area_id: Option<i64>,
    pub org_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub department_id: Option<i64>,
    pub sort: String,
}

/// The twelve months up to today.
pub fn default_period(today: NaiveDate) -> Period {
    let from = (today - Months::new(12)) + chrono::Days::new(1);
    Period { from, to: today }
}

impl View {
    pub fn from_query(q: &ViewQuery, today: NaiveDate) -> View {
        let given = !(q.from.is_empty() && q.to.is_empty());
        let (period, period_error) = if given {
            match Period::parse(&q.from, &q.to) {
                Ok(p) => (p, None),
                Err(k) => (default_period(today), Some(k)),
            }
        } else {
            (default_period(today), None)
        };
        View {
            period,
            period_error,
            area_id: id(&q.area_id),
            org_id: id(&q.org_id),
            owner_id: id(&q.owner_id),
            department_id: id(&q.department_id),
            sort: q.sort.clone(),
        }
    }

    /// The day "overdue" is judged on.
    pub fn as_of(&self, today: NaiveDate) -> NaiveDate {
        self.period.to.min(today)
    }

    /// This view's address on another dashboard (or with another sort).
    pub fn href(&self, path: &str, sort: Option<&str>) -> String {
        let mut q = vec![
            format!("from={}", self.period.from),
            format!("to={}", self.period.to),
        ];
        for (k, v) in [
            ("area_id", self.area_id),
            ("org_id", self.org_id),
            ("owner_id", self.owner_id),
            ("department_id", self.department_id),
        ] {
            if let Some(v) = v {
                q.push(format!("{k}={v}"));
            }
        }
        if let Some(s) = sort.or((!self.sort.is_empty()).then_some(self.sort.as_str())) {
            q.push(format!("sort={s}"));
        }
        format!("{path}?{}", q.join("&"))
    }

    /// The months the period touches, `YYYY-MM`, in order.
    pub fn months(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut d = self.period.from.with_day(1).expect("day 1 exists");
        while d <= self.period.to {
            out.push(d.format("%Y-%m").to_string());
            d = d + Months::new(1);
        }
        out
    }
}

/// The tabs across the dashboards, the current one marked, each keeping the view.
pub fn tabs(tr: Tr, view: &View, current: &str) -> Markup {
    let tabs = [
        ("/dashboards/pipeline", "dash.pipeline"),
        ("/dashboards/replies", "dash.replies"),
        ("/dashboards/departments", "dash.departments"),
        ("/dashboards/evidence", "dash.evidence"),
        ("/dashboards/outcomes", "dash.outcomes"),
    ];
    html! {
        nav.tabs aria-label=(tr.t("dash.title")) {
            @for (path, key) in tabs {
                a href=(view.href(path, None)) aria-current=[(path == current).then_some("page")] { (tr.t(key)) }
            }
        }
    }
}

/// Which selectors a dashboard offers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Selectors {
    pub period: bool,
    pub area: bool,
    pub org: bool,
    pub owner: bool,
    pub department: bool,
}

pub struct Choices<'a> {
    pub tax: &'a Taxonomy,
    pub orgs: &'a [Organisation],
    pub owners: &'a [(i64, String)],
    pub departments: &'a [(i64, String)],
}

/// A GET form: the view's selectors, so that the address carries them (bookmarkable,
/// shareable, no script needed).
pub fn selectors(
    page: &PageCtx,
    path: &str,
    view: &View,
    which: Selectors,
    choices: &Choices<'_>,
) -> Markup {
    let tr = page.tr();
    let lang = page.ctx.lang;
    let pick =
        |name: &'static str, label: &str, current: Option<i64>, options: Vec<(i64, String)>| {
            html! {
                div.field {
                    label for={ "v-" (name) } { (label) }
                    select id={ "v-" (name) } name=(name) {
                        option value="" { (tr.t("report.scope_all")) }
                        @for (v, l) in options {
                            option value=(v) selected[current == Some(v)] { (l) }
                        }
                    }
                }
            }
        };
    html! {
        form.view-selectors method="get" action=(path) {
            @if let Some(k) = view.period_error {
                p.field-error role="alert" { (tr.t(k)) " " (tr.t("dash.period_default")) }
            }
            @if which.period {
                div.field {
                    label for="v-from" { (tr.t("report.from")) }
                    input #v-from type="date" name="from" value=(view.period.from);
                }
                div.field {
                    label for="v-to" { (tr.t("report.to")) }
                    input #v-to type="date" name="to" value=(view.period.to);
                }
            }
            @if which.area {
                (pick("area_id", tr.t("finding.policy_area"), view.area_id,
                    choices.tax.areas.iter().map(|a| (a.id, crate::web::findings::area_label(a, lang).to_string())).collect()))
            }
            @if which.org {
                (pick("org_id", tr.t("report.organisation"), view.org_id,
                    choices.orgs.iter().map(|o| (o.id, o.name.clone())).collect()))
            }
            @if which.owner {
                (pick("owner_id", tr.t("issues.owner"), view.owner_id, choices.owners.to_vec()))
            }
            @if which.department {
                (pick("department_id", tr.t("submissions.department"), view.department_id, choices.departments.to_vec()))
            }
            @if !view.sort.is_empty() { input type="hidden" name="sort" value=(view.sort); }
            button type="submit" { (tr.t("dash.show")) }
        }
    }
}

/// Departments as (id, name in the reader's language), by name.
pub async fn department_names(
    state: &AppState,
    lang: crate::i18n::Lang,
) -> Result<Vec<(i64, String)>, AppError> {
    let all = state
        .cache
        .get_or(
            &state.store,
            "departments".into(),
            &["taxonomy"],
            || async { Ok(state.store.list_departments().await?) },
        )
        .await?;
    let mut v: Vec<(i64, String)> = all
        .iter()
        .map(|d| (d.id, crate::web::departments::label(d, lang)))
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(v)
}

/// Today where the users are; a helper so the pages and their tests agree.
pub fn today() -> NaiveDate {
    today_in_china()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_view_defaults_to_the_last_twelve_months_and_says_when_it_could_not_read_one() {
        let today = d("2026-12-01");
        let v = View::from_query(&ViewQuery::default(), today);
        assert_eq!(v.period.from, d("2025-12-02"));
        assert_eq!(v.period.to, today);
        assert_eq!(v.period_error, None);
        let bad = View::from_query(
            &ViewQuery {
                from: "2026-05-01".into(),
                to: "2026-01-01".into(),
                area_id: "x".into(),
                ..ViewQuery::default()
            },
            today,
        );
        assert_eq!(bad.period_error, Some("report.period_empty"));
        assert_eq!(bad.area_id, None);
        let v = View::from_query(
            &ViewQuery {
                from: "2026-01-15".into(),
                to: "2026-03-02".into(),
                area_id: "3".into(),
                ..ViewQuery::default()
            },
            today,
        );
        assert_eq!(v.months(), vec!["2026-01", "2026-02", "2026-03"]);
        assert_eq!(
            v.href("/dashboards/evidence", Some("name")),
            "/dashboards/evidence?from=2026-01-15&to=2026-03-02&area_id=3&sort=name"
        );
    }
}
