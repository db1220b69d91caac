//! The audit log: sign-ins, failures, sign-outs and every account change, newest first.

use axum::extract::{Query, State};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use crate::error::AppError;
use crate::web::AppState;
use crate::web::layout::{self, PageCtx};

const PAGE_SIZE: i64 = 100;

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new().route("/admin/audit", get(list))
}

#[derive(Deserialize)]
pub struct AuditQuery {
    before: Option<i64>,
}

/// Catalogue key for an audit action; unknown actions show as recorded.
pub fn action_key(action: &str) -> Option<&'static str> {
    Some(match action {
        "login.succeeded" => "audit.login_succeeded",
        "login.failed" => "audit.login_failed",
        "login.throttled" => "audit.login_throttled",
        "logout" => "audit.logout",
        "user.created" => "audit.user_created",
        "user.updated" => "audit.user_updated",
        "user.activated" => "audit.user_activated",
        "user.deactivated" => "audit.user_deactivated",
        "user.password_changed" => "audit.user_password_changed",
        "user.other_sessions_ended" => "audit.user_other_sessions_ended",
        "user.password_reset" => "audit.user_password_reset",
        "org.created" => "audit.org_created",
        "org.updated" => "audit.org_updated",
        "token.created" => "audit.token_created",
        "token.revoked" => "audit.token_revoked",
        "finding.created" => "audit.finding_created",
        "finding.updated" => "audit.finding_updated",
        "finding.deleted" => "audit.finding_deleted",
        "finding.imported" => "audit.finding_imported",
        "policy_area.created" => "audit.policy_area_created",
        "policy_area.updated" => "audit.policy_area_updated",
        "locality.created" => "audit.locality_created",
        "locality.updated" => "audit.locality_updated",
        "issue.created" => "audit.issue_created",
        "issue.commented" => "audit.issue_commented",
        "issue.supporter_added" => "audit.supporter_added",
        "issue.supporter_removed" => "audit.supporter_removed",
        "issue.cosigner_added" => "audit.cosigner_added",
        "issue.cosigner_removed" => "audit.cosigner_removed",
        "issue.watched" => "audit.issue_watched",
        "issue.merged" => "audit.issue_merged",
        "issue.split" => "audit.issue_split",
        "issue.link_proposed" => "audit.link_proposed",
        "issue.proposal_accepted" => "audit.proposal_accepted",
        "issue.proposal_declined" => "audit.proposal_declined",
        "issue.evidence_added" => "audit.evidence_added",
        "issue.evidence_removed" => "audit.evidence_removed",
        "issue.attachment_added" => "audit.attachment_added",
        "issue.attachment_removed" => "audit.attachment_removed",
        "candidate.dismissed" => "audit.candidate_dismissed",
        "issue.drafting_started" => "audit.drafting_started",
        "issue.review_requested" => "audit.review_requested",
        "issue.approved" => "audit.approved",
        "issue.sent_back" => "audit.sent_back",
        "issue.submitted" => "audit.submitted",
        "issue.responded" => "audit.responded",
        "issue.implementing" => "audit.implementing",
        "issue.closed" => "audit.closed",
        "issue.reopened" => "audit.reopened",
        "issue.submission_recorded" => "audit.submission_recorded",
        "department.created" => "audit.department_created",
        "issue.response_recorded" => "audit.response_recorded",
        "issue.satisfaction_given" => "audit.satisfaction_given",
        "issue.commitment_updated" => "audit.commitment_updated",
        "issue.deadline_extended" => "audit.deadline_extended",
        "issue.meeting_recorded" => "audit.meeting_recorded",
        "parameter.created" => "audit.parameter_created",
        "calendar.changed" => "audit.calendar_changed",
        "issue.edited" => "audit.issue_edited",
        "issue.proposal_saved" => "audit.proposal_saved",
        "issue.briefing_exported" => "audit.briefing_exported",
        "report.exported" => "audit.report_exported",
        "issue.submission_corrected" => "audit.submission_corrected",
        "issue.response_corrected" => "audit.response_corrected",
        "setting.changed" => "audit.setting_changed",
        "parameter.value_added" => "audit.parameter_value_added",
        "department.updated" => "audit.department_updated",
        "issue.unwatched" => "audit.issue_unwatched",
        "issue.finding_linked" => "audit.issue_finding_linked",
        "issue.finding_unlinked" => "audit.issue_finding_unlinked",
        _ => return None,
    })
}

/// Catalogue key for the kind of object an entry is about.
fn subject_key(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "user" => "audit.subject_user",
        "organisation" => "audit.subject_organisation",
        "api_token" => "audit.subject_api_token",
        "finding" => "audit.subject_finding",
        "policy_area" => "audit.subject_policy_area",
        "locality" => "audit.subject_locality",
        "candidate" => "audit.subject_candidate",
        "department" => "audit.subject_department",
        "parameter" => "audit.subject_parameter",
        "issue" => "audit.subject_issue",
        _ => return None,
    })
}

async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    Query(q): Query<AuditQuery>,
) -> Result<Markup, AppError> {
    let tr = page.tr();
    let rows = state.store.list_audit(q.before, PAGE_SIZE).await?;
    let older = (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    Ok(layout::page(
        &page,
        tr.t("audit.title"),
        html! {
            h1 { (tr.t("audit.title")) }
            table.list.audit {
                thead { tr {
                    th { (tr.t("audit.when")) }
                    th { (tr.t("audit.who")) }
                    th { (tr.t("audit.what")) }
                    th { (tr.t("audit.subject")) }
                    th { (tr.t("audit.detail")) }
                    th { (tr.t("audit.address")) }
                } }
                tbody {
                    @for r in &rows {
                        tr {
                            td.nowrap { (r.at.format("%Y-%m-%d %H:%M:%S")) }
                            td { (r.actor_name.as_deref().unwrap_or("—")) }
                            td { (action_key(&r.action).map(|k| tr.t(k)).unwrap_or(&r.action)) }
                            td.nowrap {
                                @if let (Some(kind), Some(id)) = (&r.subject_type, r.subject_id) {
                                    @let label = subject_key(kind).map(|k| tr.t(k)).unwrap_or(kind);
                                    @if kind == "user" { a href={ "/admin/users/" (id) } { (label) " #" (id) } }
                                    @else if kind == "organisation" { a href={ "/admin/orgs/" (id) } { (label) " #" (id) } }
                                    @else if kind == "finding" { a href={ "/findings/" (id) } { (label) " #" (id) } }
                                    @else if kind == "issue" { a href={ "/issues/" (id) } { (label) " #" (id) } }
                                    @else { (label) " #" (id) }
                                }
                            }
                            td { (r.detail) }
                            td { (r.ip.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
            @if rows.is_empty() { p.muted { (tr.t("audit.empty")) } }
            @if let Some(before) = older {
                p { a href={ "/admin/audit?before=" (before) } { (tr.t("audit.older")) } }
            }
        },
    ))
}
