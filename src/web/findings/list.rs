//! The findings list: one search box over everything the viewer may see, filters,
//! highlighted matches, stable pagination, and links to export the same search.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::Taxonomy;
use super::filters::{FindingFilters, encode_cursor};
use crate::domain::finding::access;
use crate::domain::search_text::highlight_ranges;
use crate::error::AppError;
use crate::store::User;
use crate::store::findings::{Cursor, Finding, FindingSort};
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::layout::{self, PageCtx};

const SNIPPET_CHARS: usize = 180;

/// A stretch of `text` around the first match, with matches marked.
pub fn snippet(text: &str, query: &str) -> Markup {
    let ranges = if query.trim().is_empty() {
        Vec::new()
    } else {
        highlight_ranges(text, query)
    };
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let first = ranges.first().map(|r| r.0).unwrap_or(0);
    let first_char = chars.iter().position(|(i, _)| *i >= first).unwrap_or(0);
    let start_char = first_char.saturating_sub(40);
    let end_char = (start_char + SNIPPET_CHARS).min(chars.len());
    let start = chars.get(start_char).map(|c| c.0).unwrap_or(0);
    let end = chars.get(end_char).map(|c| c.0).unwrap_or(text.len());
    let mut at = start;
    let mut pieces: Vec<Markup> = Vec::new();
    for (s, e) in ranges.into_iter().filter(|(s, e)| *s >= start && *e <= end) {
        if s < at {
            continue;
        }
        pieces.push(html! { (text[at..s]) });
        pieces.push(html! { mark { (text[s..e]) } });
        at = e;
    }
    pieces.push(html! { (text[at..end]) });
    html! {
        @if start > 0 { "… " }
        @for p in pieces { (p) }
        @if end < text.len() { " …" }
    }
}

/// The cursor after the last finding of a page, in the page's sort.
pub fn next_cursor(page: &[Finding], by_score: bool) -> Option<String> {
    let last = page.last()?;
    let cursor = match (by_score, last.score) {
        (true, Some(score)) => Cursor::Score { score, id: last.id },
        _ => Cursor::Date {
            observed_on: last.observed_on,
            id: last.id,
        },
    };
    Some(encode_cursor(&cursor))
}

fn filter_form(
    page: &PageCtx,
    user: &User,
    tax: &Taxonomy,
    orgs: &[(i64, String)],
    f: &FindingFilters,
) -> Markup {
    let tr = page.tr();
    let lang = page.ctx.lang;
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let select = |name: &'static str,
                  label: &'static str,
                  options: Vec<(String, String)>,
                  selected: String| {
        html! {
            div.field {
                label for={ "s-" (name) } { (tr.t(label)) }
                select #{ "s-" (name) } name=(name) {
                    option value="" { (tr.t("filters.any")) }
                    @for (value, text) in &options {
                        option value=(value) selected[*value == selected] { (text) }
                    }
                }
            }
        }
    };
    let yes_no = vec![
        ("yes".to_string(), tr.t("filters.yes").to_string()),
        ("no".to_string(), tr.t("filters.no").to_string()),
    ];
    html! {
        form.search method="get" action="/findings" role="search" {
            div.search-row {
                label.visually-hidden for="s-q" { (tr.t("findings.search_label")) }
                input #s-q type="search" name="q" value=(v(&f.q)) placeholder=(tr.t("findings.search_placeholder"));
                button.primary type="submit" { (tr.t("findings.search")) }
            }
            details.filters open[f.area.is_some() || f.locality.is_some() || f.from.is_some() || f.org.is_some() || f.age.is_some()] {
                summary { (tr.t("filters.title")) }
                div.grid {
                    (select("area", "finding.policy_area", tax.area_options(lang, None), v(&f.area)))
                    (select("locality", "filters.locality", tax.locality_options(lang, None), v(&f.locality)))
                    div.field { label for="s-from" { (tr.t("filters.from")) } input #s-from type="date" name="from" value=(v(&f.from)); }
                    div.field { label for="s-to" { (tr.t("filters.to")) } input #s-to type="date" name="to" value=(v(&f.to)); }
                    @if access::visible_org(user.role, user.org_id).is_none() {
                        (select("org", "field.org", orgs.iter().map(|(id, n)| (id.to_string(), n.clone())).collect(), v(&f.org)))
                    }
                    div.field { label for="s-age" { (tr.t("filters.age")) } input #s-age type="text" inputmode="numeric" name="age" value=(v(&f.age)); }
                    (select("linked", "filters.linked", yes_no.clone(), v(&f.linked)))
                    (select("threshold", "filters.has_threshold", yes_no, v(&f.threshold)))
                    (select("sort", "filters.sort", vec![
                        ("relevance".into(), tr.t("filters.sort_relevance").into()),
                        ("newest".into(), tr.t("filters.sort_newest").into()),
                        ("oldest".into(), tr.t("filters.sort_oldest").into()),
                    ], v(&f.sort)))
                }
            }
        }
    }
}

pub async fn search_page(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Query(filters): Query<FindingFilters>,
) -> Result<Response, AppError> {
    if !access::can_view_any(user.role) {
        return Err(AppError::Forbidden);
    }
    let tr = page.tr();
    let lang = page.ctx.lang;
    let tax = Taxonomy::cached(&state).await?;
    let orgs: Vec<(i64, String)> = state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let mut ranked = false;
    let (results, problems) = match filters.to_query(&user, &tax.localities) {
        Ok(q) => {
            let by_score = !q.terms.is_empty() && q.sort == FindingSort::Relevance;
            ranked = by_score;
            let limit = q.limit as usize;
            let mut found = state.store.search_findings(&q).await?;
            let more = found.len() > limit;
            found.truncate(limit);
            let next = if more {
                next_cursor(&found, by_score)
            } else {
                None
            };
            (Some((found, next)), Vec::new())
        }
        Err(p) => (None, p),
    };
    let query_text = filters.q.clone().unwrap_or_default();
    let manage = crate::web::issues::can_manage(user.role);
    let issues = if manage {
        super::show::open_issues(&state, None).await?.to_vec()
    } else {
        Vec::new()
    };
    let back = format!(
        "/findings?{}",
        filters.query_string(filters.after.as_deref())
    );
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let export_qs = filters.query_string(None);
    let body = layout::page(
        &page,
        tr.t("findings.title"),
        html! {
            div.heading-row {
                h1 { (tr.t("findings.title")) }
                @if access::can_record(user.role) {
                    div.actions {
                        a.button href="/findings/import" { (tr.t("import.link")) }
                        a.button.primary href="/findings/new" { (tr.t("findings.new")) }
                    }
                }
            }
            (filter_form(&page, &user, &tax, &orgs, &filters))
            @if !problems.is_empty() {
                div.flash.flash-error role="alert" {
                    @for p in &problems { p { (p.param) ": " (tr.t(p.key)) } }
                }
            }
            // Nothing recorded at all yet: say what belongs here and how to start.
            @if results.as_ref().is_some_and(|(f, _)| f.is_empty()) && filters.query_string(None).is_empty() && access::can_record(user.role) {
                section.card.empty-state {
                    p { (tr.t("findings.none_yet")) }
                    p {
                        a.button.primary href="/findings/new" { (tr.t("findings.record_first")) } " "
                        a.button href="/findings/import" { (tr.t("findings.import_first")) }
                    }
                }
            }
            @if let Some((found, next)) = &results {
                div.result-bar {
                    span.muted {
                        @if filters.after.is_some() { (tr.t("findings.more_results")) }
                        @else if found.is_empty() { (tr.t("findings.none")) }
                        @else if next.is_some() { (tr.f("findings.first_n", &[("count", &found.len().to_string())])) }
                        @else { (tr.f("findings.count", &[("count", &found.len().to_string())])) }
                    }
                    span.exports {
                        (tr.t("findings.export")) " "
                        a href={ "/findings/export.csv?" (export_qs) } { "CSV" } " · "
                        a href={ "/findings/export.xlsx?" (export_qs) } { "XLSX" }
                    }
                }
                @if manage && !issues.is_empty() && !found.is_empty() {
                    // Results can be ticked and linked to an issue in one go.
                    form #bulk-link.inline method="post" action="/findings/link" {
                        (crate::web::layout::csrf_field(&page))
                        input type="hidden" name="back" value=(back);
                        div.field {
                            label for="bulk-issue" { (tr.t("findings.link_selected")) }
                            select #bulk-issue name="issue_id" {
                                @for i in &issues { option value=(i.id) { "#" (i.id) " " (i.title) } }
                            }
                        }
                        button type="submit" { (tr.t("issues.link")) }
                    }
                }
                ol.results {
                    @for f in found {
                        li.result {
                            @if manage && !issues.is_empty() {
                                label.checkbox.pick {
                                    input type="checkbox" name="finding_id" value=(f.id) form="bulk-link"
                                        aria-label=(tr.f("finding.title", &[("id", &f.id.to_string())]));
                                }
                            }
                            a.result-title href={ "/findings/" (f.id) } { (tr.f("finding.title", &[("id", &f.id.to_string())])) }
                            p.snippet { (snippet(&f.narrative, &query_text)) }
                            p.meta {
                                (tax.area_name(f.policy_area_id, lang)) " · "
                                (tax.locality_trail(&f.locality_path, lang)) " · "
                                (f.observed_on) " · "
                                (f.org_name) " · "
                                (tr.f("findings.people", &[("count", &f.people_affected.to_string())]))
                                @if let Some(t) = &f.threshold {
                                    " · " span.tag { (tr.t(t.kind.label_key())) " " (t.value) }
                                }
                            }
                        }
                    }
                }
                @if let Some(n) = next {
                    p.pager { a.button href={ "/findings?" (filters.query_string(Some(n))) } { (tr.t("findings.next_page")) } }
                }
                @if ranked && !found.is_empty() {
                    p.muted.hint { (tr.f("findings.ranked_pool", &[("count", &crate::store::findings::RELEVANCE_POOL.to_string())])) }
                }
            }
        },
    );
    Ok((status, body).into_response())
}
