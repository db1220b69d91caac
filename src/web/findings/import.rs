//! Importing findings from a casework spreadsheet: upload (CSV in UTF-8 or GBK, or
//! XLSX), map columns, preview every problem by row and column and every row with
//! personal data, then commit all rows in one transaction — or none.
//!
//! Re-importing the same file does not duplicate: each row carries an external id (a
//! column, or a fingerprint of the row), and rows already imported are updated when
//! they changed and left alone when they did not.

use std::collections::{HashMap, HashSet};

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::save::{changed_fields, check_references, confirmation_for, new_hits};
use super::{Taxonomy, area_label, locality_label};
use crate::domain::finding::{self, access, mask_everything, today_in_china};
use crate::domain::import::{
    self, CellProblem, Lookups, Mapping, Table, Target, column_for_field, guess_mapping,
    read_table, row_input,
};
use crate::domain::search_text::document_terms;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::store::findings::{Author, ImportItem, ImportOutcome};
use crate::store::{StoreError, User};
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

/// What to do with personal data the guard finds in rows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PiiMode {
    /// Stop: list the rows for review.
    #[default]
    Review,
    /// Mask every hit before saving.
    Mask,
    /// Keep them: the importer confirms they are not clients' personal data.
    Confirm,
}

/// A row with personal data: row number, column, kind.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PiiRow {
    pub row: usize,
    pub column: String,
    pub kind: String,
}

/// Everything the importer needs to decide: what will happen, and what is wrong.
pub struct ImportPlan {
    pub rows: usize,
    pub items: Vec<ImportItem>,
    pub unchanged: usize,
    pub problems: Vec<CellProblem>,
    pub pii: Vec<PiiRow>,
}

impl ImportPlan {
    pub fn ready(&self) -> bool {
        self.problems.is_empty() && self.pii.is_empty()
    }
    pub fn new_count(&self) -> usize {
        self.items.iter().filter(|i| i.existing.is_none()).count()
    }
    pub fn update_count(&self) -> usize {
        self.items.len() - self.new_count()
    }
}

/// Names each policy area and locality answers to in a spreadsheet.
fn lookup_tables(tax: &Taxonomy) -> (import::NameTable, import::NameTable) {
    let areas = tax
        .areas
        .iter()
        .filter(|a| a.active)
        .map(|a| {
            (
                a.id,
                vec![
                    a.code.clone(),
                    a.name_zh.clone(),
                    a.name_en.clone(),
                    a.id.to_string(),
                ],
            )
        })
        .collect();
    let localities = tax
        .localities
        .iter()
        .filter(|l| l.active)
        .map(|l| {
            let mut names = vec![
                l.name_zh.clone(),
                tax.locality_trail(&l.path, Lang::Zh).replace(" › ", "/"),
            ];
            if !l.name_en.is_empty() {
                names.push(l.name_en.clone());
                names.push(tax.locality_trail(&l.path, Lang::En).replace(" › ", "/"));
            }
            (l.id, names)
        })
        .collect();
    (areas, localities)
}

/// Checks every row and works out what committing would do. Nothing is written.
#[allow(clippy::too_many_arguments)]
pub async fn plan(
    state: &AppState,
    user: &User,
    table: &Table,
    mapping: &Mapping,
    default_area: Option<i64>,
    default_locality: Option<i64>,
    pii_mode: &PiiMode,
    reason: &str,
) -> Result<ImportPlan, AppError> {
    let tax = Taxonomy::cached(state).await?;
    let (areas, localities) = lookup_tables(&tax);
    let lookups = Lookups {
        areas: &areas,
        localities: &localities,
        default_area,
        default_locality,
    };
    let today = today_in_china();

    let mut inputs = Vec::with_capacity(table.rows.len());
    let mut problems = Vec::new();
    for i in 0..table.rows.len() {
        let (input, p) = row_input(table, i, mapping, &lookups);
        problems.extend(p);
        inputs.push(input);
    }
    // The same external id twice in one file would import one row over the other.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, input) in inputs.iter().enumerate() {
        if let Some(first) = seen.insert(input.external_id.clone(), i) {
            problems.push(CellProblem {
                row: i + 2,
                column: column_for_field("external_id", table, mapping),
                key: format!("import.duplicate_id:{}", first + 2),
            });
        }
    }
    let ids: Vec<String> = seen.into_keys().collect();
    let existing: HashMap<String, crate::store::findings::Finding> = state
        .store
        .findings_by_external_ids(user.org_id, &ids)
        .await?
        .into_iter()
        .filter_map(|f| f.external_id.clone().map(|e| (e, f)))
        .collect();

    let mut items = Vec::new();
    let mut unchanged = 0;
    let mut pii = Vec::new();
    for (i, mut input) in inputs.into_iter().enumerate() {
        let row = i + 2;
        let current = existing.get(&input.external_id);
        if *pii_mode == PiiMode::Mask {
            mask_everything(&mut input);
        }
        let hits = new_hits(&input, current);
        let draft = match finding::validate(&input, today) {
            Ok(d) => Some(d),
            Err(ps) => {
                problems.extend(ps.into_iter().map(|p| CellProblem {
                    row,
                    column: column_for_field(&p.field, table, mapping),
                    key: p.key.to_string(),
                }));
                None
            }
        };
        let Some(draft) = draft else { continue };
        let mut ref_problems = Vec::new();
        let path = check_references(&draft, &tax, current, &mut ref_problems);
        for p in ref_problems {
            // Only reported when the cell itself did not already say what was wrong.
            if !problems
                .iter()
                .any(|q| q.row == row && q.key.starts_with("import."))
            {
                problems.push(CellProblem {
                    row,
                    column: column_for_field(&p.field, table, mapping),
                    key: p.key.to_string(),
                });
            }
        }
        let Some(path) = path else { continue };
        if !hits.is_empty() && *pii_mode != PiiMode::Confirm {
            let mut kinds = HashSet::new();
            for h in &hits {
                if kinds.insert((h.field.clone(), h.hit.kind)) {
                    pii.push(PiiRow {
                        row,
                        column: column_for_field(&h.field, table, mapping),
                        kind: h.hit.kind.as_str().to_string(),
                    });
                }
            }
            continue;
        }
        let confirmation = if *pii_mode == PiiMode::Confirm {
            confirmation_for(&hits, &input, reason)
        } else {
            None
        };
        let existing_change = match current {
            Some(before) => {
                let changed = changed_fields(before, &draft);
                if changed.is_empty() {
                    unchanged += 1;
                    continue;
                }
                Some((before.clone(), changed))
            }
            None => None,
        };
        let search_terms = document_terms(&finding::searchable_text(&draft));
        items.push(ImportItem {
            draft,
            locality_path: path,
            search_terms,
            existing: existing_change,
            confirmation,
        });
    }
    if *pii_mode == PiiMode::Confirm && reason.trim().is_empty() {
        problems.push(CellProblem {
            row: 0,
            column: String::new(),
            key: "pii.reason_required".into(),
        });
    }
    Ok(ImportPlan {
        rows: table.rows.len(),
        items,
        unchanged,
        problems,
        pii,
    })
}

/// Writes a ready plan in one transaction.
pub async fn commit(
    state: &AppState,
    user: &User,
    ip: &str,
    batch: Option<i64>,
    plan: &ImportPlan,
) -> Result<Result<ImportOutcome, &'static str>, AppError> {
    let author = Author {
        user_id: user.id,
        org_id: user.org_id,
        at: Utc::now(),
        ip: Some(ip.to_string()),
    };
    match state
        .store
        .commit_import(batch, &author, &plan.items, plan.unchanged)
        .await
    {
        Ok(outcome) => Ok(Ok(outcome)),
        Err(StoreError::Conflict) => Ok(Err("import.conflict")),
        Err(e) => Err(e.into()),
    }
}

/// The message for a problem key (some carry a row number after a colon).
pub fn problem_text(tr: Tr, key: &str) -> String {
    match key.split_once(':') {
        Some(("import.duplicate_id", first)) => tr.f("import.duplicate_id", &[("row", first)]),
        _ => tr.t(key).to_string(),
    }
}

// ---- pages ----

pub async fn upload_form(
    CurrentUser(user): CurrentUser,
    page: PageCtx,
) -> Result<Markup, AppError> {
    if !access::can_record(user.role) {
        return Err(AppError::Forbidden);
    }
    Ok(upload_view(&page, None))
}

fn upload_view(page: &PageCtx, error: Option<&'static str>) -> Markup {
    let tr = page.tr();
    layout::page(
        page,
        tr.t("import.title"),
        html! {
            p { a href="/findings" { "← " (tr.t("findings.title")) } }
            h1 { (tr.t("import.title")) }
            p { (tr.t("import.intro")) }
            @if let Some(key) = error { div.flash.flash-error role="alert" { (tr.t(key)) } }
            // Multipart bodies are not read by the CSRF check: the token travels in the URL.
            form.stack method="post" action={ "/findings/import?csrf_token=" (page.csrf_token) } enctype="multipart/form-data" {
                (csrf_field(page))
                div.field {
                    label for="f-file" { (tr.t("import.file")) }
                    input #f-file type="file" name="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required;
                }
                button.primary type="submit" { (tr.t("import.upload")) }
            }
        },
    )
}

pub async fn upload(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    if !access::can_record(user.role) {
        return Err(AppError::Forbidden);
    }
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("import.unreadable"))?
    {
        if field.name() == Some("file") {
            let name = field
                .file_name()
                .unwrap_or("upload")
                .chars()
                .take(200)
                .collect::<String>();
            let bytes = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = file else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            upload_view(&page, Some("import.empty")),
        )
            .into_response());
    };
    // Read it once now, so that a file we cannot read is refused at once.
    if let Err(e) = read_table(&bytes) {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            upload_view(&page, Some(e.message_key())),
        )
            .into_response());
    }
    let id = state
        .store
        .create_import_batch(user.org_id, user.id, &name, &bytes, Utc::now())
        .await?;
    Ok(Redirect::to(&format!("/findings/import/{id}")).into_response())
}

/// The mapping and choices posted with a preview or a commit.
#[derive(Debug, Default)]
pub struct MappingForm {
    pub mapping: Mapping,
    pub default_area: Option<i64>,
    pub default_locality: Option<i64>,
    pub pii: PiiMode,
    pub reason: String,
    pub action: String,
}

fn mapping_form(pairs: Vec<(String, String)>, width: usize) -> MappingForm {
    let mut f = MappingForm::default();
    for (k, v) in pairs {
        if let Some(target) = k.strip_prefix("map_").and_then(Target::parse) {
            if let Ok(col) = v.parse::<usize>()
                && col < width
            {
                f.mapping.insert(target, col);
            }
            continue;
        }
        match k.as_str() {
            "default_area" => f.default_area = v.parse().ok(),
            "default_locality" => f.default_locality = v.parse().ok(),
            "pii" => {
                f.pii = match v.as_str() {
                    "mask" => PiiMode::Mask,
                    "confirm" => PiiMode::Confirm,
                    _ => PiiMode::Review,
                }
            }
            "confirm_reason" => f.reason = v,
            "action" => f.action = v,
            _ => {}
        }
    }
    f
}

async fn load_batch(
    state: &AppState,
    user: &User,
    id: i64,
) -> Result<(crate::store::findings::ImportBatch, Table), AppError> {
    let batch = state
        .store
        .get_import_batch(id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Only the person who uploaded it sees an upload.
    if batch.user_id != user.id || batch.committed_at.is_some() {
        return Err(AppError::NotFound);
    }
    let table = read_table(&batch.content).map_err(|e| AppError::BadRequest(e.message_key()))?;
    Ok((batch, table))
}

const SHOWN_PROBLEMS: usize = 200;

#[allow(clippy::too_many_arguments)]
fn mapping_view(
    page: &PageCtx,
    tax: &Taxonomy,
    batch_id: i64,
    filename: &str,
    table: &Table,
    form: &MappingForm,
    plan: Option<&ImportPlan>,
    error: Option<&'static str>,
) -> Markup {
    let tr = page.tr();
    let lang = page.ctx.lang;
    let column_options: Vec<(String, String)> = table
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                i.to_string(),
                if h.is_empty() {
                    format!("#{}", i + 1)
                } else {
                    h.clone()
                },
            )
        })
        .collect();
    let sample: Vec<&Vec<String>> = table.rows.iter().take(3).collect();
    layout::page(
        page,
        tr.t("import.title"),
        html! {
            p { a href="/findings/import" { "← " (tr.t("import.title")) } }
            h1 { (tr.t("import.map_title")) }
            p.muted { (tr.f("import.file_summary", &[("name", filename), ("rows", &table.rows.len().to_string()), ("encoding", &table.encoding)])) }
            @if let Some(key) = error { div.flash.flash-error role="alert" { (tr.t(key)) } }
            @if let Some(plan) = plan {
                section.card.import-preview {
                    h2 { (tr.t("import.preview")) }
                    ul.figures {
                        li { span.figure { (plan.new_count()) } " " (tr.t("import.new_rows")) }
                        li { span.figure { (plan.update_count()) } " " (tr.t("import.updated_rows")) }
                        li { span.figure { (plan.unchanged) } " " (tr.t("import.unchanged_rows")) }
                    }
                    @if !plan.problems.is_empty() {
                        h3 { (tr.f("import.problems", &[("count", &plan.problems.len().to_string())])) }
                        p { (tr.t("import.nothing_saved")) }
                        table.list {
                            thead { tr { th { (tr.t("import.row")) } th { (tr.t("import.column")) } th { (tr.t("import.problem")) } } }
                            tbody {
                                @for p in plan.problems.iter().take(SHOWN_PROBLEMS) {
                                    tr { td.num { @if p.row > 0 { (p.row) } } td { (p.column) } td { (problem_text(tr, &p.key)) } }
                                }
                            }
                        }
                        @if plan.problems.len() > SHOWN_PROBLEMS {
                            p.muted { (tr.f("import.more_problems", &[("count", &(plan.problems.len() - SHOWN_PROBLEMS).to_string())])) }
                        }
                    }
                    @if !plan.pii.is_empty() {
                        h3 { (tr.f("import.pii_rows", &[("count", &plan.pii.len().to_string())])) }
                        p { (tr.t("import.pii_explain")) }
                        table.list {
                            thead { tr { th { (tr.t("import.row")) } th { (tr.t("import.column")) } th { (tr.t("import.kind")) } } }
                            tbody {
                                @for p in plan.pii.iter().take(SHOWN_PROBLEMS) {
                                    tr { td.num { (p.row) } td { (p.column) } td { (pii_label(tr, &p.kind)) } }
                                }
                            }
                        }
                    }
                    @if plan.ready() {
                        div.flash.flash-success role="status" { (tr.t("import.ready")) }
                    }
                }
            }
            form.import-map method="post" action={ "/findings/import/" (batch_id) } {
                (csrf_field(page))
                section.card {
                    h2 { (tr.t("import.columns")) }
                    table.list {
                        thead { tr { th { (tr.t("import.field")) } th { (tr.t("import.column")) } th { (tr.t("import.example")) } } }
                        tbody {
                            @for target in Target::ALL {
                                @let chosen = form.mapping.get(&target).copied();
                                tr {
                                    td { label for={ "m-" (target.as_str()) } { (tr.t(target.label_key())) } }
                                    td {
                                        select #{ "m-" (target.as_str()) } name={ "map_" (target.as_str()) } {
                                            option value="" { (tr.t("import.not_in_file")) }
                                            @for (value, label) in &column_options {
                                                option value=(value) selected[chosen.map(|c| c.to_string()) == Some(value.clone())] { (label) }
                                            }
                                        }
                                    }
                                    td.muted { @if let Some(c) = chosen { @for r in &sample { (r.get(c).map(String::as_str).unwrap_or("")) " · " } } }
                                }
                            }
                        }
                    }
                }
                section.card {
                    h2 { (tr.t("import.defaults")) }
                    p.hint { (tr.t("import.defaults_hint")) }
                    div.grid {
                        div.field {
                            label for="d-area" { (tr.t("finding.policy_area")) }
                            select #d-area name="default_area" {
                                option value="" { "—" }
                                @for a in tax.areas.iter().filter(|a| a.active) {
                                    option value=(a.id) selected[form.default_area == Some(a.id)] { (area_label(a, lang)) }
                                }
                            }
                        }
                        div.field {
                            label for="d-locality" { (tr.t("finding.locality")) }
                            select #d-locality name="default_locality" {
                                option value="" { "—" }
                                @for l in tax.localities.iter().filter(|l| l.active) {
                                    @let depth = l.path.matches('/').count().saturating_sub(2);
                                    option value=(l.id) selected[form.default_locality == Some(l.id)] { ("\u{3000}".repeat(depth)) (locality_label(l, lang)) }
                                }
                            }
                        }
                    }
                }
                section.card {
                    h2 { (tr.t("import.pii_title")) }
                    @for (value, key) in [("review", "import.pii_review"), ("mask", "import.pii_mask"), ("confirm", "import.pii_confirm")] {
                        @let checked = match form.pii { PiiMode::Review => value == "review", PiiMode::Mask => value == "mask", PiiMode::Confirm => value == "confirm" };
                        label.checkbox { input type="radio" name="pii" value=(value) checked[checked]; " " (tr.t(key)) }
                    }
                    div.field {
                        label for="f-confirm-reason" { (tr.t("pii.reason")) }
                        textarea #f-confirm-reason name="confirm_reason" rows="2" { (form.reason) }
                    }
                }
                p.actions {
                    button type="submit" name="action" value="preview" { (tr.t("import.preview_button")) }
                    @if plan.is_some_and(|p| p.ready()) {
                        button.primary type="submit" name="action" value="commit" { (tr.t("import.commit_button")) }
                    }
                }
            }
        },
    )
}

fn pii_label(tr: Tr, kind: &str) -> &'static str {
    use crate::domain::pii::PiiKind::*;
    let k = [IdNumber, Mobile, Landline, Email, BankCard, Address]
        .into_iter()
        .find(|k| k.as_str() == kind);
    k.map(|k| tr.t(k.label_key())).unwrap_or("?")
}

pub async fn mapping_page(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let (batch, table) = load_batch(&state, &user, id).await?;
    let tax = Taxonomy::cached(&state).await?;
    let form = MappingForm {
        mapping: guess_mapping(&table.headers),
        ..Default::default()
    };
    Ok(mapping_view(
        &page,
        &tax,
        id,
        &batch.filename,
        &table,
        &form,
        None,
        None,
    ))
}

pub async fn preview_or_commit(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (batch, table) = load_batch(&state, &user, id).await?;
    let form = mapping_form(pairs, table.headers.len());
    let tax = Taxonomy::cached(&state).await?;
    if !form.mapping.contains_key(&Target::Narrative) {
        let body = mapping_view(
            &page,
            &tax,
            id,
            &batch.filename,
            &table,
            &form,
            None,
            Some("import.narrative_unmapped"),
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    // The commit re-checks everything: a preview is never trusted.
    let plan = plan(
        &state,
        &user,
        &table,
        &form.mapping,
        form.default_area,
        form.default_locality,
        &form.pii,
        &form.reason,
    )
    .await?;
    if form.action == "commit" && plan.ready() {
        match commit(&state, &user, &page.ctx.ip, Some(id), &plan).await? {
            Ok(outcome) => {
                let text = page.tr().f(
                    "import.done",
                    &[
                        ("created", &outcome.created.to_string()),
                        ("updated", &outcome.updated.to_string()),
                        ("unchanged", &outcome.unchanged.to_string()),
                    ],
                );
                flash(&session, FlashKind::Success, text).await?;
                return Ok(Redirect::to("/findings?sort=newest").into_response());
            }
            Err(key) => {
                let body = mapping_view(
                    &page,
                    &tax,
                    id,
                    &batch.filename,
                    &table,
                    &form,
                    Some(&plan),
                    Some(key),
                );
                return Ok((StatusCode::CONFLICT, body).into_response());
            }
        }
    }
    let status = if plan.ready() || form.action == "preview" {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        mapping_view(
            &page,
            &tax,
            id,
            &batch.filename,
            &table,
            &form,
            Some(&plan),
            None,
        ),
    )
        .into_response())
}

pub use import::Target as ImportTarget;
