//! The start page after sign-in: who you are, what your role does here, where to go.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use maud::{Markup, html};

use super::AppState;
use super::context::{CurrentUser, allowed};
use super::layout::{self, PageCtx};
use crate::domain::role::{Permission, Role};
use crate::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

fn role_summary_key(role: Role) -> &'static str {
    match role {
        Role::Worker => "home.role_worker",
        Role::Senior => "home.role_senior",
        Role::Coordinator => "home.role_coordinator",
        Role::Admin => "home.role_admin",
        Role::Viewer => "home.role_viewer",
    }
}

async fn home(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
) -> Result<Markup, AppError> {
    let tr = page.tr();
    let admin_figures = if allowed(&page.ctx, Permission::ManageAccounts) {
        let users = state.store.list_users().await?;
        let orgs = state.store.list_orgs().await?;
        Some((
            users.iter().filter(|u| u.active).count(),
            orgs.iter().filter(|o| o.active).count(),
        ))
    } else {
        None
    };
    Ok(layout::page(
        &page,
        tr.t("home.title"),
        html! {
            h1 { (tr.f("home.greeting", &[("name", &user.name)])) }
            p.lead { (tr.t("app.mission")) }
            section.card {
                h2 { (tr.t("home.your_role")) }
                p {
                    strong { (tr.t(user.role.label_key())) } " · " (user.org_name)
                }
                p { (tr.t(role_summary_key(user.role))) }
            }
            @if crate::domain::finding::access::can_record(user.role) {
                section.card {
                    h2 { (tr.t("findings.title")) }
                    p { (tr.t("home.findings_text")) }
                    p.actions {
                        a.button.primary href="/findings/new" { (tr.t("findings.new")) }
                        a.button href="/findings" { (tr.t("findings.search")) }
                        a.button href="/findings/import" { (tr.t("import.link")) }
                    }
                }
            }
            @if let Some((users, orgs)) = admin_figures {
                section.card {
                    h2 { (tr.t("home.admin_title")) }
                    ul.figures {
                        li { span.figure { (users) } " " (tr.t("home.active_users")) }
                        li { span.figure { (orgs) } " " (tr.t("home.active_orgs")) }
                    }
                    p {
                        a.button href="/admin/users/new" { (tr.t("users.new")) }
                        " "
                        a.button href="/admin/orgs" { (tr.t("orgs.title")) }
                    }
                }
            }
            section.card {
                h2 { (tr.t("home.account_title")) }
                p { (tr.t("home.account_text")) }
                p { a href="/account" { (tr.t("nav.account")) } }
            }
        },
    ))
}
