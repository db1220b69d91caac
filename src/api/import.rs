//! `POST /api/v1/findings/import`: the spreadsheet import for programs. The same checks
//! as the pages; `dry_run` reports without writing; a commit writes every row or none.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::finding::access;
use crate::domain::import::{CellProblem, Mapping, Target, guess_mapping, read_table};
use crate::error::AppError;
use crate::store::findings::ImportOutcome;
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};
use crate::web::findings::import::{PiiMode, PiiRow, commit, plan, problem_text};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The CSV (UTF-8 or GBK) or XLSX file, base64-encoded.
    pub file_base64: String,
    /// Finding field → column name (as in the header row). Omitted: guessed from the
    /// column names.
    #[serde(default)]
    pub mapping: Option<HashMap<Target, String>>,
    pub default_policy_area_id: Option<i64>,
    pub default_locality_id: Option<i64>,
    /// `review` (default): rows with personal data are reported and nothing is written;
    /// `mask`: masked before saving; `confirm`: kept, with `reason`.
    #[serde(default)]
    pub personal_data: PiiMode,
    #[serde(default)]
    pub reason: String,
    /// Check and report only.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ProblemJson {
    /// Row number as the spreadsheet shows it (the header is row 1); 0 for the whole file.
    pub row: usize,
    pub column: String,
    pub code: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Whether the rows were written.
    pub committed: bool,
    pub rows: usize,
    /// With `dry_run`, what a commit would do; otherwise what was done.
    pub outcome: ImportOutcome,
    pub problems: Vec<ProblemJson>,
    pub personal_data: Vec<PiiRow>,
}

/// Import findings from a spreadsheet, all rows or none.
#[utoipa::path(post, path = "/api/v1/findings/import", tag = "findings", security(("bearer" = [])),
    request_body = ImportRequest,
    responses(
        (status = 200, description = "Checked (dry run) or imported", body = ImportReport),
        (status = 422, description = "Problems or personal data: nothing was written", body = ImportReport),
        (status = 409, description = "Rows changed meanwhile: nothing was written", body = super::ErrorBody),
        (status = 400, description = "The file could not be read", body = super::ErrorBody),
    ))]
pub async fn import(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Json(req): Json<ImportRequest>,
) -> Result<Response, AppError> {
    if !access::can_record(user.role) {
        return Err(AppError::Forbidden);
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(req.file_base64.trim())
        .map_err(|_| AppError::BadRequest("import.unreadable"))?;
    let table = read_table(&bytes).map_err(|e| AppError::BadRequest(e.message_key()))?;
    let tr = ctx.tr();
    let mut unknown_columns = Vec::new();
    let mapping: Mapping = match &req.mapping {
        None => guess_mapping(&table.headers),
        Some(m) => m
            .iter()
            .filter_map(|(target, name)| {
                match table.headers.iter().position(|h| h == name.trim()) {
                    Some(i) => Some((*target, i)),
                    None => {
                        unknown_columns.push(name.clone());
                        None
                    }
                }
            })
            .collect(),
    };
    let mut problems: Vec<CellProblem> = unknown_columns
        .into_iter()
        .map(|c| CellProblem {
            row: 0,
            column: c,
            key: "import.column_unknown".into(),
        })
        .collect();
    if !mapping.contains_key(&Target::Narrative) {
        problems.push(CellProblem {
            row: 0,
            column: String::new(),
            key: "import.narrative_unmapped".into(),
        });
    }
    let mut the_plan = plan(
        &state,
        &user,
        &table,
        &mapping,
        req.default_policy_area_id,
        req.default_locality_id,
        &req.personal_data,
        &req.reason,
    )
    .await?;
    problems.append(&mut the_plan.problems);
    the_plan.problems = problems;
    let planned = ImportOutcome {
        created: the_plan.new_count(),
        updated: the_plan.update_count(),
        unchanged: the_plan.unchanged,
    };
    let report = |committed: bool,
                  outcome: ImportOutcome,
                  plan: &crate::web::findings::import::ImportPlan| ImportReport {
        dry_run: req.dry_run,
        committed,
        rows: plan.rows,
        outcome,
        problems: plan
            .problems
            .iter()
            .map(|p| ProblemJson {
                row: p.row,
                column: p.column.clone(),
                code: p.key.split(':').next().unwrap_or("").to_string(),
                message: problem_text(tr, &p.key),
            })
            .collect(),
        personal_data: plan.pii.clone(),
    };
    if !the_plan.ready() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(report(false, planned, &the_plan)),
        )
            .into_response());
    }
    if req.dry_run {
        return Ok(Json(report(false, planned, &the_plan)).into_response());
    }
    match commit(&state, &user, &ctx.ip, None, &the_plan).await? {
        Ok(outcome) => Ok(Json(report(true, outcome, &the_plan)).into_response()),
        Err(key) => {
            let body = serde_json::json!({ "error": { "code": "conflict", "message": tr.t(key) } });
            Ok((StatusCode::CONFLICT, Json(body)).into_response())
        }
    }
}
