//! What needs chasing: replies due in the next 30 days, overdue, long overdue,
//! re-handling rounds after "not satisfied", and commitments falling due — each row
//! leading to its submission on the issue's page.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};

use super::{View, ViewQuery};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::store::dashboards::{DueCommitment, OpenReply, ReplyCounts};
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::layout::{self, PageCtx};

/// How far ahead "due soon" looks.
pub const HORIZON_DAYS: u64 = 30;
/// Rows shown per section (the count says how many there are in all).
const ROWS: usize = 100;

/// The open replies of each section, at most [`ROWS`] each, and how many in all.
#[derive(Debug, Default, Clone)]
pub struct Sections {
    pub due_soon: Vec<OpenReply>,
    pub overdue: Vec<OpenReply>,
    pub long_overdue: Vec<OpenReply>,
    pub rehandling: Vec<OpenReply>,
    pub counts: ReplyCounts,
}

/// Reads the sections for `today`: due from today to [`HORIZON_DAYS`] ahead; overdue
/// the day after the deadline in force; long overdue `long_after` days after it; a
/// re-handling round is its own section whatever its deadline.
pub async fn sections(
    state: &AppState,
    today: NaiveDate,
    long_after: i64,
    owner_id: Option<i64>,
) -> Result<std::sync::Arc<Sections>, AppError> {
    state
        .cache
        .get_or(
            &state.store,
            format!("replies:{today}:{long_after}:{owner_id:?}"),
            &["submissions", "issues", "taxonomy"],
            || read_sections(state, today, long_after, owner_id),
        )
        .await
}

async fn read_sections(
    state: &AppState,
    today: NaiveDate,
    long_after: i64,
    owner_id: Option<i64>,
) -> Result<Sections, AppError> {
    let by = today + chrono::Days::new(HORIZON_DAYS);
    // Overdue by more than `long_after` days: the deadline before this day.
    let long_before = today - chrono::Days::new(long_after.max(0) as u64);
    let s = &state.store;
    let yesterday = today.pred_opt().unwrap_or(today);
    let rows = ROWS as i64;
    Ok(Sections {
        due_soon: s
            .open_replies(Some(today), by, false, owner_id, rows)
            .await?,
        overdue: s
            .open_replies(Some(long_before), yesterday, false, owner_id, rows)
            .await?,
        long_overdue: s
            .open_replies(
                None,
                long_before.pred_opt().unwrap_or(long_before),
                false,
                owner_id,
                rows,
            )
            .await?,
        rehandling: s
            .open_replies(
                None,
                NaiveDate::from_ymd_opt(9999, 12, 31).expect("a date"),
                true,
                owner_id,
                rows,
            )
            .await?,
        counts: s
            .count_open_replies(today, long_before, by, owner_id)
            .await?,
    })
}

fn department(r_zh: &str, r_en: &str, lang: Lang) -> String {
    match lang {
        Lang::En if !r_en.is_empty() => r_en.to_string(),
        _ => r_zh.to_string(),
    }
}

fn reply_table(
    tr: Tr,
    lang: Lang,
    id: &str,
    title: &str,
    rows: &[OpenReply],
    total: i64,
    today: NaiveDate,
) -> Markup {
    html! {
        section.card id=(id) {
            h2 { (title) " " span.count { (total) } }
            @if rows.is_empty() {
                p.muted { (tr.t("dash.nothing_here")) }
            } @else {
                div.table-scroll {
                    table.list {
                        thead { tr {
                            th scope="col" { (tr.t("report.issue")) }
                            th scope="col" { (tr.t("submissions.department")) }
                            th scope="col" { (tr.t("submissions.submitted_on")) }
                            th scope="col" { (tr.t("submissions.due_on")) }
                            th scope="col" { (tr.t("dash.days")) }
                        } }
                        tbody {
                            @for r in rows.iter().take(ROWS) {
                                @let days = (r.due() - today).num_days();
                                tr {
                                    td { a href={ "/issues/" (r.issue_id) "#submission-" (r.submission_id) } { "#" (r.issue_id) " " (r.issue_title) } }
                                    td { a href={ "/departments/" (r.department_id) } { (department(&r.department_zh, &r.department_en, lang)) } }
                                    td { (r.submitted_on) }
                                    td { (r.due()) }
                                    td.num {
                                        @if days >= 0 { (tr.f("dash.in_days", &[("n", &days.to_string())])) }
                                        @else { (tr.f("dash.days_late", &[("n", &(-days).to_string())])) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if total > rows.len() as i64 { p.muted { (tr.f("dash.more_rows", &[("n", &(total - rows.len() as i64).to_string())])) } }
            }
        }
    }
}

fn commitments_table(tr: Tr, lang: Lang, rows: &[DueCommitment], today: NaiveDate) -> Markup {
    html! {
        section.card #commitments {
            h2 { (tr.t("dash.commitments")) " " span.count { (rows.len()) } }
            @if rows.is_empty() {
                p.muted { (tr.t("dash.nothing_here")) }
            } @else {
                div.table-scroll {
                    table.list {
                        thead { tr {
                            th scope="col" { (tr.t("dash.commitment")) }
                            th scope="col" { (tr.t("report.issue")) }
                            th scope="col" { (tr.t("submissions.department")) }
                            th scope="col" { (tr.t("responses.classification")) }
                            th scope="col" { (tr.t("dash.due")) }
                        } }
                        tbody {
                            @for c in rows.iter().take(ROWS) {
                                tr.late[c.due_on < today] {
                                    td { (c.what) }
                                    td { a href={ "/issues/" (c.issue_id) "#submission-" (c.submission_id) } { "#" (c.issue_id) " " (c.issue_title) } }
                                    td { (department(&c.department_zh, &c.department_en, lang)) }
                                    td { (c.classification) }
                                    td { (c.due_on) @if c.due_on < today { " · " (tr.t("dash.past_due")) } }
                                }
                            }
                        }
                    }
                }
            }
        }
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
    let long = state.settings.long_overdue_days;
    let s = sections(&state, today, long, None).await?;
    let commitments = state
        .cache
        .get_or(
            &state.store,
            format!("commitments:{today}"),
            &["submissions", "issues", "taxonomy"],
            || async {
                Ok(state
                    .store
                    .open_commitments_due(today + chrono::Days::new(HORIZON_DAYS), ROWS as i64)
                    .await?)
            },
        )
        .await?;
    let c = s.counts;
    let body = layout::page(
        &page,
        tr.t("dash.replies"),
        html! {
            h1 { (tr.t("dash.title")) }
            (super::tabs(tr, &view, "/dashboards/replies"))
            p.lead { (tr.f("dash.replies_lead", &[
                ("soon", &c.due_soon.to_string()),
                ("overdue", &c.overdue.to_string()),
                ("long", &c.long_overdue.to_string()),
                ("rounds", &c.rehandling.to_string()),
                ("days", &long.to_string()),
            ])) }
            (reply_table(tr, lang, "long-overdue", &tr.f("dash.long_overdue", &[("days", &long.to_string())]), &s.long_overdue, c.long_overdue, today))
            (reply_table(tr, lang, "overdue", tr.t("dash.overdue"), &s.overdue, c.overdue, today))
            (reply_table(tr, lang, "rehandling", tr.t("dash.rehandling"), &s.rehandling, c.rehandling, today))
            (reply_table(tr, lang, "due-soon", &tr.f("dash.due_soon", &[("days", &HORIZON_DAYS.to_string())]), &s.due_soon, c.due_soon, today))
            (commitments_table(tr, lang, &commitments, today))
        },
    );
    Ok(body.into_response())
}
