//! One finding: everything it holds (private fields only for its organisation and
//! admins), its edit history, and deletion.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use tower_sessions::Session;

use super::form::{field_label_key, load_visible};
use super::{Taxonomy, format_amount};
use crate::domain::finding::access;
use crate::error::AppError;
use crate::store::AuditEvent;
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

fn history_field_key(field: &str) -> &'static str {
    match field {
        "threshold" => "finding.threshold_title",
        "figures" => "finding.figures",
        other => field_label_key(other),
    }
}

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let f = load_visible(&state, &user, id).await?;
    let tax = Taxonomy::load(&state.store).await?;
    let versions = state.store.finding_versions(id).await?;
    let tr = page.tr();
    let lang = page.ctx.lang;
    let private = access::sees_private(user.role, user.org_id, f.org_id);
    let editable = access::can_edit(user.role, user.id, user.org_id, f.recorded_by, f.org_id);
    let title = tr.f("finding.title", &[("id", &f.id.to_string())]);
    let ages = match (f.age_min, f.age_max) {
        (Some(a), Some(b)) if a == b => tr.f("finding.age_single", &[("age", &a.to_string())]),
        (Some(a), Some(b)) => tr.f(
            "finding.age_range",
            &[("min", &a.to_string()), ("max", &b.to_string())],
        ),
        _ => "—".to_string(),
    };
    Ok(layout::page(
        &page,
        &title,
        html! {
            p { a href="/findings" { "← " (tr.t("findings.title")) } }
            div.heading-row {
                h1 { (title) }
                @if editable {
                    div.actions {
                        a.button href={ "/findings/" (f.id) "/edit" } { (tr.t("finding.edit")) }
                        form method="post" action={ "/findings/" (f.id) "/delete" } data-confirm=(tr.t("finding.delete_confirm")) {
                            (csrf_field(&page))
                            button.danger type="submit" { (tr.t("finding.delete")) }
                        }
                    }
                }
            }
            section.card {
                p.narrative { (f.narrative) }
                dl.facts {
                    dt { (tr.t("finding.policy_area")) } dd { (tax.area_name(f.policy_area_id, lang)) }
                    dt { (tr.t("finding.locality")) } dd { (tax.locality_trail(&f.locality_path, lang)) }
                    dt { (tr.t("finding.observed_on")) } dd { (f.observed_on) }
                    dt { (tr.t("finding.people_affected")) } dd { (f.people_affected) }
                    dt { (tr.t("finding.ages")) } dd { (ages) }
                    @if let Some(t) = &f.threshold {
                        dt { (tr.t("finding.threshold_title")) }
                        dd { (t.benefit) " · " (tr.t(t.kind.label_key())) " · " (t.value) }
                    }
                    @if !f.tags.is_empty() {
                        dt { (tr.t("finding.tags")) }
                        dd { @for t in &f.tags { span.tag { (t) } " " } }
                    }
                    dt { (tr.t("finding.recorded_by")) } dd { (f.recorder_name) " · " (f.org_name) }
                    dt { (tr.t("finding.recorded_at")) } dd { (f.created_at.format("%Y-%m-%d %H:%M UTC")) }
                }
            }
            @if !f.figures.is_empty() {
                section.card {
                    h2 { (tr.t("finding.figures")) }
                    table.list {
                        thead { tr { th { (tr.t("finding.figure_name")) } th.num { (tr.t("finding.figure_amount")) } th { (tr.t("finding.figure_unit")) } } }
                        tbody {
                            @for g in &f.figures {
                                tr { td { (g.name) } td.num { (format_amount(g.amount)) } td { (g.unit) } }
                            }
                        }
                    }
                }
            }
            @if private {
                section.card.private {
                    h2 { (tr.t("finding.private_title")) }
                    p.hint { (tr.t("finding.private_hint")) }
                    dl.facts {
                        dt { (tr.t("finding.case_reference")) } dd { (f.case_reference.as_deref().unwrap_or("—")) }
                        dt { (tr.t("finding.private_notes")) } dd.pre { (f.private_notes.as_deref().unwrap_or("—")) }
                    }
                }
            }
            section.card {
                h2 { (tr.t("finding.history")) }
                @if versions.is_empty() {
                    p.muted { (tr.t("finding.no_edits")) }
                } @else {
                    table.list {
                        thead { tr { th { (tr.t("finding.version")) } th { (tr.t("audit.when")) } th { (tr.t("audit.who")) } th { (tr.t("finding.changed")) } } }
                        tbody {
                            @for v in &versions {
                                tr {
                                    td { (v.version) " → " (v.version + 1) }
                                    td.nowrap { (v.edited_at.format("%Y-%m-%d %H:%M")) }
                                    td { (v.editor_name) }
                                    td {
                                        @for (n, field) in v.changed_fields.split(',').filter(|s| !s.is_empty()).enumerate() {
                                            @if n > 0 { "、" }
                                            (tr.t(history_field_key(field)))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let f = load_visible(&state, &user, id).await?;
    if !access::can_edit(user.role, user.id, user.org_id, f.recorded_by, f.org_id) {
        return Err(AppError::Forbidden);
    }
    let audit = AuditEvent::new("finding.deleted", Some(user.id), Some(page.ctx.ip.clone()))
        .subject("finding", Some(id));
    state.store.delete_finding(id, &audit).await?;
    flash(
        &session,
        FlashKind::Success,
        page.tr().f("finding.deleted", &[("id", &id.to_string())]),
    )
    .await?;
    Ok(Redirect::to("/findings").into_response())
}
