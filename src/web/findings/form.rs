//! Recording and editing a finding. Every save runs the personal-data guard: hits are
//! shown highlighted in place, each with a one-click mask; saving anyway needs an
//! explicit confirmation with a reason, which is recorded. Works without script.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use tower_sessions::Session;

use super::Taxonomy;
use super::save::{SaveOutcome, save_finding};
use crate::domain::finding::{
    self, FieldHit, FieldProblem, FigureInput, FindingInput, MAX_FIGURES, ThresholdKind, access,
    mask_everything, mask_hit, today_in_china,
};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::store::User;
use crate::store::findings::Finding;
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

/// What the form posts besides the finding itself.
#[derive(Debug, Default)]
struct Extras {
    /// `save`, `mask:FIELD:START:END` or `mask_all`.
    action: String,
    confirm: bool,
    reason: String,
    version: Option<i64>,
}

fn from_pairs(pairs: Vec<(String, String)>) -> (FindingInput, Extras) {
    let mut input = FindingInput::default();
    let mut extras = Extras::default();
    for (key, value) in pairs {
        let figure = |prefix: &str| {
            key.strip_prefix(prefix)
                .and_then(|i| i.parse::<usize>().ok())
        };
        if let Some(i) = figure("figure_name_")
            .or(figure("figure_amount_"))
            .or(figure("figure_unit_"))
        {
            if i >= MAX_FIGURES * 2 {
                continue;
            }
            if input.figures.len() <= i {
                input.figures.resize(i + 1, FigureInput::default());
            }
            let f = &mut input.figures[i];
            if key.starts_with("figure_name_") {
                f.name = value;
            } else if key.starts_with("figure_amount_") {
                f.amount = value;
            } else {
                f.unit = value;
            }
            continue;
        }
        match key.as_str() {
            "narrative" => input.narrative = value,
            "policy_area_id" => input.policy_area_id = value,
            "locality_id" => input.locality_id = value,
            "observed_on" => input.observed_on = value,
            "people_affected" => input.people_affected = value,
            "age_min" => input.age_min = value,
            "age_max" => input.age_max = value,
            "threshold_benefit" => input.threshold_benefit = value,
            "threshold_kind" => input.threshold_kind = value,
            "threshold_value" => input.threshold_value = value,
            "failure_mode" => input.failure_mode = value,
            "tags" => input.tags = value,
            "case_reference" => input.case_reference = value,
            "private_notes" => input.private_notes = value,
            "action" => extras.action = value,
            "confirm_personal_data" => extras.confirm = !value.is_empty(),
            "confirm_reason" => extras.reason = value,
            "version" => extras.version = value.parse().ok(),
            _ => {}
        }
    }
    (input, extras)
}

/// The form's current content as input (for editing an existing finding).
pub fn input_from(f: &Finding) -> FindingInput {
    FindingInput {
        narrative: f.narrative.clone(),
        policy_area_id: f.policy_area_id.to_string(),
        locality_id: f.locality_id.to_string(),
        observed_on: f.observed_on.to_string(),
        people_affected: f.people_affected.to_string(),
        age_min: f.age_min.map(|v| v.to_string()).unwrap_or_default(),
        age_max: f.age_max.map(|v| v.to_string()).unwrap_or_default(),
        threshold_benefit: f
            .threshold
            .as_ref()
            .map(|t| t.benefit.clone())
            .unwrap_or_default(),
        threshold_kind: f
            .threshold
            .as_ref()
            .map(|t| t.kind.as_str().to_string())
            .unwrap_or_default(),
        threshold_value: f
            .threshold
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default(),
        failure_mode: f.failure_mode.clone().unwrap_or_default(),
        figures: f
            .figures
            .iter()
            .map(|g| FigureInput {
                name: g.name.clone(),
                amount: super::format_amount(g.amount).replace(',', ""),
                unit: g.unit.clone(),
            })
            .collect(),
        tags: f.tags.join(", "),
        case_reference: f.case_reference.clone().unwrap_or_default(),
        private_notes: f.private_notes.clone().unwrap_or_default(),
        external_id: f.external_id.clone().unwrap_or_default(),
    }
}

/// Catalogue key naming a form field (for problems and guard hits).
pub fn field_label_key(field: &str) -> &'static str {
    match field {
        "narrative" => "finding.narrative",
        "policy_area_id" => "finding.policy_area",
        "locality_id" => "finding.locality",
        "observed_on" => "finding.observed_on",
        "people_affected" => "finding.people_affected",
        "age_min" => "finding.age_min",
        "age_max" => "finding.age_max",
        "threshold_benefit" => "finding.threshold_benefit",
        "threshold_kind" => "finding.threshold_kind",
        "threshold_value" => "finding.threshold_value",
        "failure_mode" => "finding.failure_mode",
        "tags" => "finding.tags",
        "case_reference" => "finding.case_reference",
        "private_notes" => "finding.private_notes",
        "confirm_reason" => "pii.reason",
        f if f.ends_with(".name") => "finding.figure_name",
        f if f.ends_with(".amount") => "finding.figure_amount",
        f if f.ends_with(".unit") => "finding.figure_unit",
        _ => "finding.figures",
    }
}

struct FormView<'a> {
    input: &'a FindingInput,
    /// `Some` when editing: the finding and the version the form was loaded at.
    editing: Option<(&'a Finding, i64)>,
    problems: &'a [FieldProblem],
    hits: &'a [FieldHit],
    confirm: bool,
    reason: &'a str,
    notice: Option<&'static str>,
}

fn problem_for<'a>(problems: &'a [FieldProblem], field: &str) -> Option<&'a FieldProblem> {
    problems.iter().find(|p| p.field == field)
}

fn field_error(tr: Tr, problems: &[FieldProblem], field: &str) -> Markup {
    html! {
        @if let Some(p) = problem_for(problems, field) {
            p.field-error id={ "err-" (field.replace('.', "-")) } { (tr.t(p.key)) }
        }
    }
}

/// A field's text with each hit marked and followed by its mask button.
fn marked_text(tr: Tr, field: &str, text: &str, hits: &[&FieldHit]) -> Markup {
    let mut pieces: Vec<Markup> = Vec::new();
    let mut at = 0;
    for h in hits {
        if h.hit.start < at || h.hit.end > text.len() {
            continue;
        }
        pieces.push(html! { (text[at..h.hit.start]) });
        pieces.push(html! {
            mark.pii { (text[h.hit.start..h.hit.end]) }
            " "
            span.pii-kind { "[" (tr.t(h.hit.kind.label_key())) "] " }
            button.mask type="submit" name="action" value={ "mask:" (field) ":" (h.hit.start) ":" (h.hit.end) }
                formnovalidate { (tr.t("pii.mask")) }
            " "
        });
        at = h.hit.end;
    }
    pieces.push(html! { (text[at..]) });
    html! { @for p in pieces { (p) } }
}

fn guard_panel(tr: Tr, v: &FormView<'_>) -> Markup {
    let texts = finding::guarded_fields(v.input);
    let mut fields: Vec<&str> = v.hits.iter().map(|h| h.field.as_str()).collect();
    fields.dedup();
    html! {
        section.pii-panel role="alert" aria-labelledby="pii-title" {
            h2 #pii-title { (tr.f("pii.found", &[("count", &v.hits.len().to_string())])) }
            p { (tr.t("pii.explain")) }
            @for field in &fields {
                @let text = texts.iter().find(|(f, _)| f == field).map(|(_, t)| *t).unwrap_or("");
                @let these: Vec<&FieldHit> = v.hits.iter().filter(|h| h.field == *field).collect();
                div.pii-field {
                    h3 { (tr.t(field_label_key(field))) }
                    p.pii-text { (marked_text(tr, field, text, &these)) }
                }
            }
            p {
                button.primary type="submit" name="action" value="mask_all" formnovalidate { (tr.t("pii.mask_all")) }
            }
            div.pii-confirm {
                label.checkbox {
                    input type="checkbox" name="confirm_personal_data" value="yes" checked[v.confirm];
                    " " (tr.t("pii.confirm"))
                }
                div.field.has-error[problem_for(v.problems, "confirm_reason").is_some()] {
                    label for="f-confirm-reason" { (tr.t("pii.reason")) }
                    textarea #f-confirm-reason name="confirm_reason" rows="2" { (v.reason) }
                    (field_error(tr, v.problems, "confirm_reason"))
                }
            }
        }
    }
}

fn form_view(page: &PageCtx, tax: &Taxonomy, v: FormView<'_>) -> Markup {
    let tr = page.tr();
    let lang = page.ctx.lang;
    let i = v.input;
    let (title, action) = match v.editing {
        Some((f, _)) => (
            tr.f("finding.edit_title", &[("id", &f.id.to_string())]),
            format!("/findings/{}", f.id),
        ),
        None => (
            tr.t("finding.new_title").to_string(),
            "/findings".to_string(),
        ),
    };
    let has = |field: &str| problem_for(v.problems, field).is_some();
    let keep_area = i.policy_area_id.parse().ok();
    let keep_locality = i.locality_id.parse().ok();
    let mut figures = i.figures.clone();
    // Room for two more figures than are filled in.
    let filled = figures
        .iter()
        .filter(|f| !(f.name.is_empty() && f.amount.is_empty() && f.unit.is_empty()))
        .count();
    figures.retain(|f| !(f.name.is_empty() && f.amount.is_empty() && f.unit.is_empty()));
    figures.resize(
        (filled + 2).min(MAX_FIGURES).max(figures.len()),
        FigureInput::default(),
    );
    let text_input = |name: &'static str, label: &'static str, value: &str, kind: &'static str| {
        html! {
            div.field.has-error[has(name)] {
                label for={ "f-" (name) } { (tr.t(label)) }
                input #{ "f-" (name) } name=(name) type=(kind) value=(value) aria-invalid=[has(name).then_some("true")];
                (field_error(tr, v.problems, name))
            }
        }
    };
    let select = |name: &'static str,
                  label: &'static str,
                  options: Vec<(String, String)>,
                  selected: &str,
                  blank: bool| {
        html! {
            div.field.has-error[has(name)] {
                label for={ "f-" (name) } { (tr.t(label)) }
                select #{ "f-" (name) } name=(name) aria-invalid=[has(name).then_some("true")] {
                    @if blank { option value="" { "—" } }
                    @for (value, text) in &options {
                        option value=(value) selected[value == selected] { (text) }
                    }
                }
                (field_error(tr, v.problems, name))
            }
        }
    };
    layout::page(
        page,
        &title,
        html! {
            p { a href="/findings" { "← " (tr.t("findings.title")) } }
            h1 { (title) }
            @if let Some(key) = v.notice {
                div.flash.flash-info role="status" { (tr.t(key)) }
            }
            @if !v.problems.is_empty() {
                div.flash.flash-error role="alert" {
                    p { (tr.t("form.has_errors")) }
                    ul {
                        @for p in v.problems {
                            li { strong { (tr.t(field_label_key(&p.field))) } ": " (tr.t(p.key)) }
                        }
                    }
                }
            }
            form.finding-form method="post" action=(action) {
                (csrf_field(page))
                // Enter in a field saves (the first submit button is the default one),
                // rather than pressing the first "mask" button of the guard panel.
                button.visually-hidden type="submit" name="action" value="save" tabindex="-1" aria-hidden="true" { (tr.t("finding.save")) }
                @if let Some((_, version)) = v.editing {
                    input type="hidden" name="version" value=(version);
                }
                @if !v.hits.is_empty() { (guard_panel(tr, &v)) }
                fieldset {
                    legend { (tr.t("finding.what_you_saw")) }
                    div.field.has-error[has("narrative")] {
                        label for="f-narrative" { (tr.t("finding.narrative")) }
                        p.hint { (tr.t("finding.narrative_hint")) }
                        textarea #f-narrative name="narrative" rows="8" required aria-invalid=[has("narrative").then_some("true")] { (i.narrative) }
                        (field_error(tr, v.problems, "narrative"))
                    }
                    div.grid {
                        (select("policy_area_id", "finding.policy_area", tax.area_options(lang, keep_area), &i.policy_area_id, true))
                        (select("locality_id", "finding.locality", tax.locality_options(lang, keep_locality), &i.locality_id, true))
                        (text_input("observed_on", "finding.observed_on", &i.observed_on, "date"))
                        (text_input("people_affected", "finding.people_affected", &i.people_affected, "text"))
                        (text_input("age_min", "finding.age_min", &i.age_min, "text"))
                        (text_input("age_max", "finding.age_max", &i.age_max, "text"))
                    }
                }
                fieldset {
                    legend { (tr.t("finding.threshold_title")) }
                    p.hint { (tr.t("finding.threshold_hint")) }
                    div.grid {
                        (text_input("threshold_benefit", "finding.threshold_benefit", &i.threshold_benefit, "text"))
                        (select("threshold_kind", "finding.threshold_kind",
                            ThresholdKind::ALL.iter().map(|k| (k.as_str().to_string(), tr.t(k.label_key()).to_string())).collect(),
                            &i.threshold_kind, true))
                        (text_input("threshold_value", "finding.threshold_value", &i.threshold_value, "text"))
                    }
                }
                fieldset {
                    legend { (tr.t("finding.failure_mode_title")) }
                    p.hint { (tr.t("finding.failure_mode_hint")) }
                    (select("failure_mode", "finding.failure_mode",
                        crate::domain::recurrence::modes::FAILURE_MODES.iter().map(|m| (m.id.to_string(), tr.t(&format!("failure_mode.{}", m.id)).to_string())).collect(),
                        &i.failure_mode, true))
                }
                fieldset {
                    legend { (tr.t("finding.figures")) }
                    p.hint { (tr.t("finding.figures_hint")) }
                    table.figures-input {
                        thead { tr {
                            th { (tr.t("finding.figure_name")) }
                            th { (tr.t("finding.figure_amount")) }
                            th { (tr.t("finding.figure_unit")) }
                        } }
                        tbody {
                            @for (n, f) in figures.iter().enumerate() {
                                tr {
                                    @for (part, value) in [("name", &f.name), ("amount", &f.amount), ("unit", &f.unit)] {
                                        @let field = format!("figures.{n}.{part}");
                                        td.has-error[has(&field)] {
                                            input name={ "figure_" (part) "_" (n) } value=(value)
                                                aria-label={ (tr.t(field_label_key(&field))) " " (n + 1) };
                                            (field_error(tr, v.problems, &field))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                fieldset {
                    legend { (tr.t("finding.tags")) }
                    div.field.has-error[has("tags")] {
                        label for="f-tags" { (tr.t("finding.tags_label")) }
                        input #f-tags name="tags" value=(i.tags);
                        (field_error(tr, v.problems, "tags"))
                    }
                }
                fieldset.private {
                    legend { (tr.t("finding.private_title")) }
                    p.hint { (tr.t("finding.private_hint")) }
                    (text_input("case_reference", "finding.case_reference", &i.case_reference, "text"))
                    div.field {
                        label for="f-private_notes" { (tr.t("finding.private_notes")) }
                        textarea #f-private_notes name="private_notes" rows="3" { (i.private_notes) }
                        (field_error(tr, v.problems, "private_notes"))
                    }
                }
                p { button.primary type="submit" name="action" value="save" { (tr.t("finding.save")) } }
            }
        },
    )
}

pub(super) async fn load_visible(
    state: &AppState,
    user: &User,
    id: i64,
) -> Result<Finding, AppError> {
    let f = state
        .store
        .get_finding(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if f.deleted_at.is_some() || !access::can_view(user.role, user.org_id, f.org_id) {
        // Another organisation's finding is "not found", not "forbidden": ids reveal nothing.
        return Err(AppError::NotFound);
    }
    Ok(f)
}

pub async fn new_form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
) -> Result<Markup, AppError> {
    if !access::can_record(user.role) {
        return Err(AppError::Forbidden);
    }
    let tax = Taxonomy::cached(&state).await?;
    let input = FindingInput {
        observed_on: today_in_china().to_string(),
        people_affected: "1".into(),
        ..Default::default()
    };
    Ok(form_view(
        &page,
        &tax,
        FormView {
            input: &input,
            editing: None,
            problems: &[],
            hits: &[],
            confirm: false,
            reason: "",
            notice: None,
        },
    ))
}

pub async fn edit_form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let f = load_visible(&state, &user, id).await?;
    if !access::can_edit(user.role, user.id, user.org_id, f.recorded_by, f.org_id) {
        return Err(AppError::Forbidden);
    }
    let tax = Taxonomy::cached(&state).await?;
    let input = input_from(&f);
    Ok(form_view(
        &page,
        &tax,
        FormView {
            input: &input,
            editing: Some((&f, f.version)),
            problems: &[],
            hits: &[],
            confirm: false,
            reason: "",
            notice: None,
        },
    ))
}

enum Outcome {
    /// Show the form again (masking, or something to fix).
    Again {
        status: StatusCode,
        problems: Vec<FieldProblem>,
        hits: Vec<FieldHit>,
        notice: Option<&'static str>,
    },
    Saved(i64),
    Unchanged(i64),
}

async fn process(
    state: &AppState,
    user: &User,
    ip: &str,
    input: &mut FindingInput,
    extras: &Extras,
    current: Option<&Finding>,
) -> Result<Outcome, AppError> {
    if let Some(spec) = extras.action.strip_prefix("mask:") {
        let mut parts = spec.rsplitn(3, ':');
        let (end, start, field) = (parts.next(), parts.next(), parts.next());
        let masked = match (
            field,
            start.and_then(|s| s.parse().ok()),
            end.and_then(|s| s.parse().ok()),
        ) {
            (Some(f), Some(s), Some(e)) => mask_hit(input, f, s, e),
            _ => false,
        };
        let hits = super::save::new_hits(input, current);
        let notice = if masked {
            "pii.masked_one"
        } else {
            "pii.mask_stale"
        };
        return Ok(Outcome::Again {
            status: StatusCode::OK,
            problems: vec![],
            hits,
            notice: Some(notice),
        });
    }
    if extras.action == "mask_all" {
        mask_everything(input);
        return Ok(Outcome::Again {
            status: StatusCode::OK,
            problems: vec![],
            hits: vec![],
            notice: Some("pii.masked_all"),
        });
    }
    // A ticked box without a reason is a problem of its own; an unticked box is no
    // confirmation at all.
    let reason = if extras.confirm {
        Some(extras.reason.as_str())
    } else {
        None
    };
    let version = current.map(|c| extras.version.unwrap_or(c.version));
    Ok(
        match save_finding(state, user, ip, input, reason, current, version).await? {
            SaveOutcome::Saved(id) => Outcome::Saved(id),
            SaveOutcome::Unchanged(id) => Outcome::Unchanged(id),
            SaveOutcome::Invalid { problems, hits } => Outcome::Again {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                problems,
                hits,
                notice: None,
            },
            SaveOutcome::Conflict => Outcome::Again {
                status: StatusCode::CONFLICT,
                problems: vec![FieldProblem {
                    field: "narrative".into(),
                    key: "finding.edited_meanwhile",
                }],
                hits: vec![],
                notice: None,
            },
        },
    )
}

pub async fn create(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !access::can_record(user.role) {
        return Err(AppError::Forbidden);
    }
    let (mut input, extras) = from_pairs(pairs);
    match process(&state, &user, &page.ctx.ip, &mut input, &extras, None).await? {
        Outcome::Saved(id) | Outcome::Unchanged(id) => {
            flash(&session, FlashKind::Success, page.tr().t("finding.saved")).await?;
            Ok(Redirect::to(&format!("/findings/{id}")).into_response())
        }
        Outcome::Again {
            status,
            problems,
            hits,
            notice,
        } => {
            let tax = Taxonomy::cached(&state).await?;
            let view = FormView {
                input: &input,
                editing: None,
                problems: &problems,
                hits: &hits,
                confirm: extras.confirm,
                reason: &extras.reason,
                notice,
            };
            Ok((status, form_view(&page, &tax, view)).into_response())
        }
    }
}

pub async fn update(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let current = load_visible(&state, &user, id).await?;
    if !access::can_edit(
        user.role,
        user.id,
        user.org_id,
        current.recorded_by,
        current.org_id,
    ) {
        return Err(AppError::Forbidden);
    }
    let (mut input, extras) = from_pairs(pairs);
    // The external id is not editable on the form; keep it.
    input.external_id = current.external_id.clone().unwrap_or_default();
    match process(
        &state,
        &user,
        &page.ctx.ip,
        &mut input,
        &extras,
        Some(&current),
    )
    .await?
    {
        Outcome::Saved(id) => {
            flash(&session, FlashKind::Success, page.tr().t("finding.saved")).await?;
            Ok(Redirect::to(&format!("/findings/{id}")).into_response())
        }
        Outcome::Unchanged(id) => {
            flash(
                &session,
                FlashKind::Success,
                page.tr().t("finding.unchanged"),
            )
            .await?;
            Ok(Redirect::to(&format!("/findings/{id}")).into_response())
        }
        Outcome::Again {
            status,
            problems,
            hits,
            notice,
        } => {
            let tax = Taxonomy::cached(&state).await?;
            let version = extras.version.unwrap_or(current.version);
            let view = FormView {
                input: &input,
                editing: Some((&current, version)),
                problems: &problems,
                hits: &hits,
                confirm: extras.confirm,
                reason: &extras.reason,
                notice,
            };
            Ok((status, form_view(&page, &tax, view)).into_response())
        }
    }
}
