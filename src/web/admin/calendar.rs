//! Admins keep the holiday calendar that reply deadlines are counted on (public
//! holidays and the make-up working days that move weekends, year by year) and choose
//! the classification scheme for departments' answers.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use maud::html;
use serde::Deserialize;
use tower_sessions::Session;

use crate::domain::responses::Scheme;
use crate::domain::workdays::DayKind;
use crate::error::AppError;
use crate::store::AuditEvent;
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/admin/calendar", get(page))
        .route("/admin/calendar/days", post(set_day))
        .route("/admin/calendar/years", post(add_year))
        .route("/admin/scheme", post(set_scheme))
}

async fn page(State(state): State<AppState>, page: PageCtx) -> Result<Response, AppError> {
    let tr = page.tr();
    let cal = state.store.holiday_calendar().await?;
    let scheme = crate::web::issues::answers::scheme(&state).await?;
    let years: Vec<i32> = cal.years().collect();
    let entries: Vec<(NaiveDate, DayKind)> = cal.entries().collect();
    Ok(layout::page(
        &page,
        tr.t("calendar.title"),
        html! {
            h1 { (tr.t("calendar.title")) }
            p.lead { (tr.t("calendar.lead")) }
            section.card #scheme {
                h2 { (tr.t("calendar.scheme")) }
                form.inline method="post" action="/admin/scheme" {
                    (csrf_field(&page))
                    div.field {
                        label for="c-scheme" { (tr.t("calendar.scheme")) }
                        select #c-scheme name="scheme" {
                            option value="abc" selected[scheme == Scheme::Abc] { (tr.t("calendar.scheme_abc")) }
                            option value="abcd" selected[scheme == Scheme::Abcd] { (tr.t("calendar.scheme_abcd")) }
                        }
                    }
                    button type="submit" { (tr.t("form.save")) }
                }
            }
            section.card #days {
                h2 { (tr.t("calendar.days")) }
                p { (tr.t("calendar.covered")) " " @for y in &years { span.tag { (y) } " " } }
                form.inline method="post" action="/admin/calendar/days" {
                    (csrf_field(&page))
                    div.field { label for="c-day" { (tr.t("calendar.day")) } input #c-day type="date" name="day" required; }
                    div.field {
                        label for="c-kind" { (tr.t("calendar.kind")) }
                        select #c-kind name="kind" {
                            option value="holiday" { (tr.t("calendar.holiday")) }
                            option value="workday" { (tr.t("calendar.workday")) }
                            option value="ordinary" { (tr.t("calendar.ordinary")) }
                        }
                    }
                    button type="submit" { (tr.t("form.save")) }
                }
                form.inline method="post" action="/admin/calendar/years" {
                    (csrf_field(&page))
                    div.field { label for="c-year" { (tr.t("calendar.year")) } input #c-year type="number" name="year" min="2000" max="2100" required; }
                    button type="submit" { (tr.t("calendar.add_year")) }
                    p.hint { (tr.t("calendar.year_hint")) }
                }
                @for y in &years {
                    h3 { (y) }
                    p {
                        @for (d, k) in entries.iter().filter(|(d, _)| d.year() == *y) {
                            span class={ "tag " (if *k == DayKind::Holiday { "holiday" } else { "workday" }) } title=(tr.t(if *k == DayKind::Holiday { "calendar.holiday" } else { "calendar.workday" })) {
                                (d.format("%m-%d")) @if *k == DayKind::MakeUpWorkday { " ⚒" }
                            }
                            " "
                        }
                    }
                }
                p.hint { "⚒ " (tr.t("calendar.workday")) }
            }
        },
    )
    .into_response())
}

#[derive(Deserialize)]
struct DayForm {
    day: String,
    kind: String,
}

async fn set_day(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Form(form): Form<DayForm>,
) -> Result<Response, AppError> {
    let tr = page.tr();
    let Ok(day) = NaiveDate::parse_from_str(form.day.trim(), "%Y-%m-%d") else {
        flash(&session, FlashKind::Error, tr.t("calendar.day_invalid")).await?;
        return Ok(Redirect::to("/admin/calendar").into_response());
    };
    let kind = match form.kind.as_str() {
        "ordinary" => None,
        k => match DayKind::parse(k) {
            Some(k) => Some(k),
            None => return Err(AppError::BadRequest("calendar.day_invalid")),
        },
    };
    let audit = AuditEvent::new("calendar.changed", Some(user.id), Some(page.ctx.ip.clone()))
        .detail(format!("{day} {}", form.kind));
    state.store.set_holiday(day, kind, &audit).await?;
    flash(&session, FlashKind::Success, tr.t("form.saved")).await?;
    Ok(Redirect::to("/admin/calendar").into_response())
}

#[derive(Deserialize)]
struct YearForm {
    year: String,
}

async fn add_year(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Form(form): Form<YearForm>,
) -> Result<Response, AppError> {
    let tr = page.tr();
    match form.year.trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => {
            let audit =
                AuditEvent::new("calendar.changed", Some(user.id), Some(page.ctx.ip.clone()))
                    .detail(format!("year {y}"));
            state.store.add_holiday_year(y, &audit).await?;
            flash(&session, FlashKind::Success, tr.t("form.saved")).await?;
        }
        _ => flash(&session, FlashKind::Error, tr.t("calendar.year_invalid")).await?,
    }
    Ok(Redirect::to("/admin/calendar").into_response())
}

#[derive(Deserialize)]
struct SchemeForm {
    scheme: String,
}

async fn set_scheme(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Form(form): Form<SchemeForm>,
) -> Result<Response, AppError> {
    let Some(scheme) = Scheme::parse(&form.scheme) else {
        return Err(AppError::BadRequest("calendar.scheme_invalid"));
    };
    let audit = AuditEvent::new("setting.changed", Some(user.id), Some(page.ctx.ip.clone()))
        .detail(format!("classification_scheme {}", scheme.as_str()));
    state
        .store
        .set_setting("classification_scheme", scheme.as_str(), &audit)
        .await?;
    flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
    Ok(Redirect::to("/admin/calendar").into_response())
}
