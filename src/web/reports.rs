//! The federation's portfolio report for a period and a scope: asked for on a page and
//! made in the background (progress shown on the page, the file downloaded when ready,
//! the server answering everyone else meanwhile); the same report straight from the
//! API and the command line. One [`TableBook`] is built and rendered as PDF, DOCX,
//! XLSX or CSV. Counts of findings under the small-cell threshold are always
//! suppressed: a report leaves the federation.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use maud::html;
use serde::{Deserialize, Serialize};

use crate::documents::tables::{Table, TableBook, Value};
use crate::domain::evidence::{Cell, Suppression};
use crate::domain::finding::today_in_china;
use crate::domain::report::{self, Period, Portfolio};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::store::reports::{ReportJobRow, ReportScope};
use crate::store::{AuditEvent, User};
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};
use crate::web::findings::Taxonomy;
use crate::web::forms::FieldErrors;
use crate::web::layout::{self, PageCtx, csrf_field};

/// The formats a report comes in (the API also answers `json`: the tables themselves).
pub const FORMATS: [&str; 4] = ["pdf", "docx", "xlsx", "csv"];

/// A job not heard from for this long is taken as interrupted (its server stopped).
const STALE_MINUTES: i64 = 10;

/// Long lists (overdue replies, closed issues) show this many rows in the PDF and Word
/// versions, the longest overdue first; the spreadsheets have them all.
const DOC_ROWS: usize = 100;

/// Finished reports are kept this long, then deleted with the next request.
const KEEP_DAYS: u64 = 7;

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/reports", get(page).post(request))
        .route("/reports/jobs/{id}", get(job_page))
        .route("/reports/jobs/{id}/download", get(download))
        .route("/api/v1/reports/portfolio", get(api))
}

/// Everyone but a front-line worker: reports are for coordinators, seniors following
/// their issues, and board members (viewers).
pub fn may_report(role: Role) -> bool {
    role != Role::Worker
}

/// What a report was asked for; kept with its job as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub area_id: Option<i64>,
    pub org_id: Option<i64>,
    pub format: String,
    pub lang: String,
}

impl ReportRequest {
    pub fn period(&self) -> Period {
        Period {
            from: self.from,
            to: self.to,
        }
    }

    pub fn scope(&self) -> ReportScope {
        ReportScope {
            area_id: self.area_id,
            org_id: self.org_id,
        }
    }

    fn lang(&self) -> Lang {
        Lang::from_tag(&self.lang).unwrap_or(Lang::Zh)
    }
}

/// The form as typed (kept when it comes back with an error).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub area_id: String,
    #[serde(default)]
    pub org_id: String,
    #[serde(default)]
    pub format: String,
}

/// Reads a form or query into a request; errors are per field.
pub fn parse_request(f: &ReportForm, lang: Lang) -> Result<ReportRequest, FieldErrors> {
    let mut errors = FieldErrors::default();
    let from = crate::domain::finding::parse_date(&f.from);
    let to = crate::domain::finding::parse_date(&f.to);
    if from.is_none() {
        errors.add("from", "report.date_invalid");
    }
    if to.is_none() {
        errors.add("to", "report.date_invalid");
    }
    if let (Some(a), Some(b)) = (from, to)
        && let Err(k) = Period::new(a, b)
    {
        errors.add("to", k);
    }
    let id = |s: &str, field: &'static str, errors: &mut FieldErrors| match s.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.add(field, "report.scope_invalid");
                None
            }
        },
    };
    let area_id = id(&f.area_id, "area_id", &mut errors);
    let org_id = id(&f.org_id, "org_id", &mut errors);
    let format = if f.format.is_empty() {
        "pdf".to_string()
    } else {
        f.format.clone()
    };
    if !FORMATS.contains(&format.as_str()) && format != "json" {
        errors.add("format", "report.format_unknown");
    }
    match (from, to) {
        (Some(from), Some(to)) if errors.is_empty() => Ok(ReportRequest {
            from,
            to,
            area_id,
            org_id,
            format,
            lang: lang.tag().to_string(),
        }),
        _ => Err(errors),
    }
}

/// Called between the steps of a report: (percent done, message key of the step).
pub type Progress<'a> = &'a (dyn Fn(i64, &'static str) + Send + Sync);

/// Builds the report's tables (and the numbers behind them).
pub async fn build(
    state: &AppState,
    req: &ReportRequest,
    progress: Progress<'_>,
) -> Result<(Portfolio, TableBook), AppError> {
    let lang = req.lang();
    let tr = Tr(lang);
    let tax = Taxonomy::cached(state).await?;
    let orgs = state.store.list_orgs().await?;
    if req
        .area_id
        .is_some_and(|a| !tax.areas.iter().any(|x| x.id == a))
        || req.org_id.is_some_and(|o| !orgs.iter().any(|x| x.id == o))
    {
        return Err(AppError::BadRequest("report.scope_invalid"));
    }
    progress(10, "report.step_reading");
    let facts = state
        .store
        .portfolio_facts(req.period(), req.scope())
        .await?;
    progress(40, "report.step_counting");
    let today = today_in_china();
    let period = req.period();
    let (facts, p) = tokio::task::spawn_blocking(move || {
        let p = report::portfolio(&facts, period, today);
        (facts, p)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    let departments = state.store.list_departments().await?;
    let scheme = crate::web::issues::answers::scheme(state).await?;
    let dept_name = |id: i64| {
        departments
            .iter()
            .find(|d| d.id == id)
            .map(|d| crate::web::departments::label(d, lang))
            .unwrap_or_else(|| format!("#{id}"))
    };
    let issue_title = |id: i64| {
        facts
            .issues
            .iter()
            .find(|i| i.id == id)
            .map(|i| format!("#{id} {}", i.title))
            .unwrap_or_else(|| format!("#{id}"))
    };
    let sup = Suppression::for_export(state.settings.small_cell);
    let few = tr.f("issues.fewer_than", &[("n", &sup.threshold.to_string())]);
    let count_cell = |n: i64| match sup.shown(n.max(0) as usize) {
        Cell::Exact(v) => Value::Int(v as i64),
        Cell::Few => Value::Few(few.clone()),
    };

    let scope_label = {
        let mut parts = Vec::new();
        if let Some(a) = req.area_id {
            parts.push(tax.area_name(a, lang));
        }
        if let Some(o) = req.org_id.and_then(|o| orgs.iter().find(|x| x.id == o)) {
            parts.push(o.name.clone());
        }
        if parts.is_empty() {
            tr.t("report.scope_all").to_string()
        } else {
            parts.join(" · ")
        }
    };
    let date = |d: NaiveDate| format!("{}-{:02}-{:02}", d.year(), d.month(), d.day());
    let mut tables = Vec::new();

    // Key figures.
    tables.push(Table {
        name: tr.t("report.sheet_overview").into(),
        title: tr.t("report.overview").into(),
        columns: vec![tr.t("report.measure").into(), tr.t("report.value").into()],
        rows: vec![
            vec![
                Value::text(tr.t("report.new_findings")),
                count_cell(p.new_findings),
            ],
            vec![
                Value::text(tr.t("report.issues_total")),
                Value::Int(p.issues_total as i64),
            ],
            vec![
                Value::text(tr.t("report.new_issues")),
                Value::Int(p.new_issues as i64),
            ],
            vec![
                Value::text(tr.t("report.submissions_made")),
                Value::Int(p.submissions_made as i64),
            ],
            vec![
                Value::text(tr.t("report.answers_received")),
                Value::Int(p.answers_received as i64),
            ],
            vec![
                Value::text(tr.t("report.on_time_rate")),
                Value::opt_percent(p.total.on_time_rate()),
            ],
            vec![
                Value::text(tr.t("report.median_days")),
                Value::opt_number(p.total.median_days),
            ],
            vec![
                Value::text(tr.t("report.outcomes_count")),
                Value::Int(p.outcomes.len() as i64),
            ],
            vec![
                Value::text(tr.t("report.beneficiaries")),
                Value::Int(p.beneficiaries),
            ],
            vec![
                Value::text(tr.t("report.overdue_now")),
                Value::Int(p.overdue.len() as i64),
            ],
        ],
        note: None,
        chart_column: None,
        empty: String::new(),
        doc_limit: None,
        more: String::new(),
    });

    tables.push(Table {
        name: tr.t("report.sheet_stages").into(),
        title: tr.t("report.stages").into(),
        columns: vec![tr.t("issues.stage").into(), tr.t("report.issues").into()],
        rows: p
            .stages
            .iter()
            .map(|(s, n)| vec![Value::text(tr.t(stage_key(s))), Value::Int(*n as i64)])
            .collect(),
        note: Some(tr.t("report.stages_note").into()),
        chart_column: Some(1),
        empty: tr.t("report.none_issues").into(),
        doc_limit: None,
        more: String::new(),
    });

    tables.push(Table {
        name: tr.t("report.sheet_findings").into(),
        title: tr.t("report.findings_by_area").into(),
        columns: vec![
            tr.t("finding.policy_area").into(),
            tr.t("report.findings").into(),
            tr.t("report.orgs").into(),
        ],
        rows: p
            .findings_by_area
            .iter()
            .map(|(area, n, orgs)| {
                // A small cell hides who reported it too.
                let small = sup.shown(*n as usize) == Cell::Few;
                let other = |v: i64| {
                    if small {
                        Value::Few(few.clone())
                    } else {
                        Value::Int(v)
                    }
                };
                vec![
                    Value::text(tax.area_name(*area, lang)),
                    count_cell(*n),
                    other(*orgs),
                ]
            })
            .collect(),
        note: Some(tr.f(
            "issues.suppressed_note",
            &[("n", &sup.threshold.to_string())],
        )),
        chart_column: Some(1),
        empty: tr.t("report.none_findings").into(),
        doc_limit: None,
        more: String::new(),
    });

    // Departments in two tables, so that each fits a page: how promptly they answered,
    // and what they answered.
    let with_total = |rows: Vec<Vec<Value>>, total: Vec<Value>| {
        let mut rows = rows;
        if !rows.is_empty() {
            rows.push(total);
        }
        rows
    };
    let timeliness = |name: String, l: &report::DepartmentLine| {
        vec![
            Value::Text(name),
            Value::Int(l.submissions as i64),
            Value::Int(l.answered as i64),
            Value::Int(l.on_time as i64),
            Value::Int(l.answered_late as i64),
            Value::Int(l.overdue as i64),
            Value::Int(l.pending as i64),
            Value::opt_percent(l.on_time_rate()),
            Value::opt_number(l.median_days),
        ]
    };
    tables.push(Table {
        name: tr.t("report.sheet_departments").into(),
        title: tr.t("report.departments").into(),
        columns: vec![
            tr.t("submissions.department").into(),
            tr.t("report.submissions").into(),
            tr.t("report.answered").into(),
            tr.t("report.on_time").into(),
            tr.t("report.late").into(),
            tr.t("report.overdue").into(),
            tr.t("report.pending").into(),
            tr.t("report.on_time_rate").into(),
            tr.t("report.median_days").into(),
        ],
        rows: with_total(
            p.departments
                .iter()
                .map(|l| timeliness(dept_name(l.department_id), l))
                .collect(),
            timeliness(tr.t("report.all_departments").into(), &p.total),
        ),
        note: Some(tr.t("report.departments_note").into()),
        chart_column: None,
        empty: tr.t("report.none_submissions").into(),
        doc_limit: None,
        more: String::new(),
    });
    let classes: Vec<&str> = scheme.classes().to_vec();
    let satisfactions = crate::domain::responses::Satisfaction::ALL;
    let answers_of = |name: String, l: &report::DepartmentLine| {
        let mut row = vec![Value::Text(name), Value::Int(l.answered as i64)];
        row.extend(classes.iter().map(|c| Value::opt_percent(l.class_share(c))));
        row.extend(
            satisfactions
                .iter()
                .map(|s| Value::Int(l.satisfaction.get(s.as_str()).copied().unwrap_or(0) as i64)),
        );
        row
    };
    let mut columns: Vec<String> = vec![
        tr.t("submissions.department").into(),
        tr.t("report.answered").into(),
    ];
    columns.extend(
        classes
            .iter()
            .map(|c| tr.f("report.class_share", &[("class", c)])),
    );
    columns.extend(satisfactions.iter().map(|s| tr.t(s.key()).to_string()));
    tables.push(Table {
        name: tr.t("report.sheet_classes").into(),
        title: tr.t("report.department_answers").into(),
        columns,
        rows: with_total(
            p.departments
                .iter()
                .filter(|l| l.answered > 0)
                .map(|l| answers_of(dept_name(l.department_id), l))
                .collect(),
            answers_of(tr.t("report.all_departments").into(), &p.total),
        ),
        note: Some(tr.t("report.classes_note").into()),
        chart_column: None,
        empty: tr.t("report.none_answered").into(),
        doc_limit: None,
        more: String::new(),
    });

    tables.push(Table {
        name: tr.t("report.sheet_answers").into(),
        title: tr.t("report.answers").into(),
        columns: vec![
            tr.t("responses.classification").into(),
            tr.t("report.answers_count").into(),
        ],
        rows: p
            .answer_classes
            .iter()
            .map(|(c, n)| {
                vec![
                    Value::Text(format!("{c} · {}", tr.t(scheme.class_key(c)))),
                    Value::Int(*n as i64),
                ]
            })
            .collect(),
        note: None,
        chart_column: Some(1),
        empty: tr.t("report.none_answers").into(),
        doc_limit: None,
        more: String::new(),
    });

    tables.push(Table {
        name: tr.t("report.sheet_outcomes").into(),
        title: tr.t("report.outcomes").into(),
        columns: vec![
            tr.t("report.parameter").into(),
            tr.t("report.before").into(),
            tr.t("report.after").into(),
            tr.t("parameters.unit").into(),
            tr.t("parameters.valid_from").into(),
            tr.t("parameters.beneficiaries").into(),
            tr.t("report.won_by").into(),
        ],
        rows: p
            .outcomes
            .iter()
            .map(|o| {
                vec![
                    Value::Text(if lang == Lang::En && !o.parameter_en.is_empty() {
                        o.parameter_en.clone()
                    } else {
                        o.parameter_zh.clone()
                    }),
                    Value::opt_number(o.before),
                    Value::Number(o.after),
                    Value::Text(o.unit.clone()),
                    Value::Date(o.valid_from),
                    o.beneficiaries.map(Value::Int).unwrap_or(Value::Empty),
                    o.issue_id
                        .map(|id| {
                            Value::Text(format!(
                                "#{id} {}",
                                o.issue_title.clone().unwrap_or_default()
                            ))
                        })
                        .unwrap_or(Value::Empty),
                ]
            })
            .collect(),
        note: None,
        chart_column: None,
        empty: tr.t("report.none_outcomes").into(),
        doc_limit: None,
        more: String::new(),
    });

    tables.push(Table {
        name: tr.t("report.sheet_closed").into(),
        title: tr.t("report.closed").into(),
        columns: vec![
            tr.t("report.issue").into(),
            tr.t("report.resolution").into(),
            tr.t("report.closed_on").into(),
        ],
        rows: p
            .closed
            .iter()
            .map(|c| {
                vec![
                    Value::Text(format!("#{} {}", c.issue_id, c.title)),
                    Value::text(tr.t(crate::web::issues::lifecycle::resolution_key(&c.resolution))),
                    Value::Date(c.closed_on),
                ]
            })
            .collect(),
        note: None,
        chart_column: None,
        empty: tr.t("report.none_closed").into(),
        doc_limit: Some(DOC_ROWS),
        more: tr.t("report.more_in_spreadsheet").into(),
    });

    let long = state.settings.long_overdue_days;
    tables.push(Table {
        name: tr.t("report.sheet_overdue").into(),
        title: tr.f("report.overdue_title", &[("date", &date(p.as_of))]),
        columns: vec![
            tr.t("report.issue").into(),
            tr.t("submissions.department").into(),
            tr.t("submissions.submitted_on").into(),
            tr.t("submissions.due_on").into(),
            tr.t("report.days_overdue").into(),
            tr.t("report.round").into(),
        ],
        rows: p
            .overdue
            .iter()
            .map(|o| {
                vec![
                    Value::Text(issue_title(o.issue_id)),
                    Value::Text(dept_name(o.department_id)),
                    Value::Date(o.submitted_on),
                    Value::Date(o.due),
                    Value::Int(o.days_overdue),
                    Value::text(tr.t(match (o.rehandling, o.days_overdue > long) {
                        (true, _) => "report.round_rehandling",
                        (false, true) => "report.round_long_overdue",
                        (false, false) => "report.round_first",
                    })),
                ]
            })
            .collect(),
        note: None,
        chart_column: None,
        empty: tr.t("report.none_overdue").into(),
        doc_limit: Some(DOC_ROWS),
        more: tr.t("report.more_in_spreadsheet").into(),
    });

    let book = TableBook {
        title: tr.t("report.title").into(),
        subtitle: tr.f(
            "report.subtitle",
            &[
                ("from", &date(p.period.from)),
                ("to", &date(p.period.to)),
                ("scope", &scope_label),
                ("date", &date(today)),
            ],
        ),
        intro: vec![tr.f(
            "report.intro",
            &[
                ("findings", &p.new_findings.to_string()),
                ("submissions", &p.submissions_made.to_string()),
                ("answers", &p.answers_received.to_string()),
                (
                    "rate",
                    &Value::opt_percent(p.total.on_time_rate()).display(),
                ),
                ("outcomes", &p.outcomes.len().to_string()),
                ("overdue", &p.overdue.len().to_string()),
            ],
        )],
        tables,
    };
    Ok((p, book))
}

fn stage_key(stage: &str) -> &'static str {
    crate::web::issues::lifecycle::stage_key(
        crate::domain::lifecycle::Stage::parse(stage)
            .unwrap_or(crate::domain::lifecycle::Stage::Identified),
    )
}

/// A finished file: bytes, content type and file name.
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub filename: String,
}

/// Renders the book in `format`, off the async threads.
pub async fn render(book: TableBook, req: &ReportRequest) -> Result<Rendered, AppError> {
    let lang = req.lang();
    let tr = Tr(lang);
    let name = format!("report-{}-{}", req.from, req.to);
    let format = req.format.clone();
    let csv_header = [
        tr.t("report.csv_table"),
        tr.t("report.csv_row"),
        tr.t("report.csv_column"),
        tr.t("report.csv_value"),
    ];
    let contents = tr.t("report.sheet_contents");
    let (bytes, content_type, ext) = crate::web::offload::build_document(move || {
        let chinese = lang == Lang::Zh;
        Ok::<_, anyhow::Error>(Ok(match format.as_str() {
            "xlsx" => (
                crate::documents::tables::to_xlsx(&book, contents)?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
            "csv" => (
                crate::documents::tables::to_csv(&book, csv_header)?,
                "text/csv; charset=utf-8",
                "csv",
            ),
            "json" => (serde_json::to_vec(&book)?, "application/json", "json"),
            "pdf" => match crate::documents::pdf_or_font_error(
                &crate::documents::tables::to_document(&book),
                chinese,
            )? {
                Ok(bytes) => (bytes, "application/pdf", "pdf"),
                Err(e) => {
                    tracing::error!(error = %e, "PDF export");
                    return Ok(Err(AppError::NotAvailable("briefing.pdf_font_missing")));
                }
            },
            _ => (
                crate::documents::docx::to_docx(
                    &crate::documents::tables::to_document(&book),
                    chinese,
                )?,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "docx",
            ),
        }))
    })
    .await?
    .map_err(AppError::Internal)??;
    Ok(Rendered {
        bytes,
        content_type,
        filename: format!("{name}.{ext}"),
    })
}

async fn record_export(state: &AppState, user: &User, ip: Option<String>, req: &ReportRequest) {
    let audit = AuditEvent::new("report.exported", Some(user.id), ip)
        .subject("report", None)
        .detail(format!(
            "{} {}–{} area {:?} org {:?}",
            req.format, req.from, req.to, req.area_id, req.org_id
        ));
    if let Err(e) = state.store.record_audit(&audit).await {
        tracing::warn!(error = %e, "could not record a report export");
    }
}

// ---------------------------------------------------------------- pages

fn default_form() -> ReportForm {
    // Last month, the usual monthly report.
    let today = today_in_china();
    let first_this = today.with_day(1).expect("day 1 exists");
    let last_prev = first_this.pred_opt().expect("a day before");
    let first_prev = last_prev.with_day(1).expect("day 1 exists");
    ReportForm {
        from: first_prev.to_string(),
        to: last_prev.to_string(),
        format: "pdf".into(),
        ..ReportForm::default()
    }
}

async fn page(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    if !may_report(user.role) {
        return Err(AppError::Forbidden);
    }
    render_page(
        &state,
        &user,
        &page,
        &default_form(),
        &FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

fn job_state(job: &ReportJobRow, now: DateTime<Utc>) -> &'static str {
    match job.status.as_str() {
        "queued" | "running" if (now - job.updated_at).num_minutes() >= STALE_MINUTES => {
            "interrupted"
        }
        s => match s {
            "queued" => "queued",
            "running" => "running",
            "done" => "done",
            _ => "failed",
        },
    }
}

fn job_summary(tr: Tr, job: &ReportJobRow) -> String {
    match serde_json::from_str::<ReportRequest>(&job.params) {
        Ok(r) => format!("{} – {} · {}", r.from, r.to, r.format.to_uppercase()),
        Err(_) => tr.t("report.title").to_string(),
    }
}

async fn render_page(
    state: &AppState,
    user: &User,
    page: &PageCtx,
    form: &ReportForm,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let tr = page.tr();
    let lang = page.ctx.lang;
    let tax = Taxonomy::cached(state).await?;
    let orgs = state.store.list_orgs().await?;
    let jobs = state.store.list_report_jobs(user.id, 10).await?;
    let now = Utc::now();
    let err = |f: &str| errors.get(f).map(|k| tr.t(k));
    let body = layout::page(
        page,
        tr.t("report.page_title"),
        html! {
            h1 { (tr.t("report.page_title")) }
            p.lead { (tr.t("report.lead")) }
            section.card {
                h2 { (tr.t("report.new")) }
                (crate::web::forms::error_summary(tr, errors))
                form.stack method="post" action="/reports" {
                    (csrf_field(page))
                    div.grid {
                        div.field.has-error[err("from").is_some()] {
                            label for="r-from" { (tr.t("report.from")) }
                            input #r-from name="from" type="date" value=(form.from) required aria-invalid=[err("from").map(|_| "true")];
                            @if let Some(e) = err("from") { p.field-error { (e) } }
                        }
                        div.field.has-error[err("to").is_some()] {
                            label for="r-to" { (tr.t("report.to")) }
                            input #r-to name="to" type="date" value=(form.to) required aria-invalid=[err("to").map(|_| "true")];
                            @if let Some(e) = err("to") { p.field-error { (e) } }
                        }
                        div.field {
                            label for="r-area" { (tr.t("finding.policy_area")) }
                            select #r-area name="area_id" {
                                option value="" { (tr.t("report.scope_all")) }
                                @for (v, l) in tax.area_options(lang, None) {
                                    option value=(v) selected[v == form.area_id] { (l) }
                                }
                            }
                            @if let Some(e) = err("area_id") { p.field-error { (e) } }
                        }
                        div.field {
                            label for="r-org" { (tr.t("report.organisation")) }
                            select #r-org name="org_id" {
                                option value="" { (tr.t("report.scope_all")) }
                                @for o in &orgs {
                                    option value=(o.id) selected[o.id.to_string() == form.org_id] { (o.name) }
                                }
                            }
                            @if let Some(e) = err("org_id") { p.field-error { (e) } }
                        }
                        div.field {
                            label for="r-format" { (tr.t("report.format")) }
                            select #r-format name="format" {
                                @for f in FORMATS {
                                    option value=(f) selected[f == form.format] { (tr.t(&format!("report.format_{f}"))) }
                                }
                            }
                            @if let Some(e) = err("format") { p.field-error { (e) } }
                        }
                    }
                    p.hint { (tr.t("report.hint")) }
                    button.primary type="submit" { (tr.t("report.make")) }
                }
            }
            @if !jobs.is_empty() {
                section.card #report-jobs {
                    h2 { (tr.t("report.recent")) }
                    table.list {
                        thead { tr { th { (tr.t("report.requested")) } th { (tr.t("report.what")) } th { (tr.t("field.status")) } } }
                        tbody {
                            @for j in &jobs {
                                tr {
                                    td { (j.created_at.format("%Y-%m-%d %H:%M")) }
                                    td { a href={ "/reports/jobs/" (j.id) } { (job_summary(tr, j)) } }
                                    td { (tr.t(&format!("report.status_{}", job_state(j, now)))) }
                                }
                            }
                        }
                    }
                }
            }
        },
    );
    Ok((status, body).into_response())
}

async fn request(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Form(form): Form<ReportForm>,
) -> Result<Response, AppError> {
    if !may_report(user.role) {
        return Err(AppError::Forbidden);
    }
    let mut req = match parse_request(&form, page.ctx.lang) {
        Ok(r) if r.format != "json" => r,
        Ok(_) => {
            let mut errors = FieldErrors::default();
            errors.add("format", "report.format_unknown");
            return render_page(
                &state,
                &user,
                &page,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(errors) => {
            return render_page(
                &state,
                &user,
                &page,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    req.lang = page.ctx.lang.tag().to_string();
    let now = Utc::now();
    state
        .store
        .delete_report_jobs_before(now - chrono::Days::new(KEEP_DAYS))
        .await?;
    let params = serde_json::to_string(&req).map_err(|e| AppError::Internal(e.into()))?;
    let id = state.store.create_report_job(user.id, &params, now).await?;
    spawn_job(state, user, page.ctx.ip.clone(), id, req);
    Ok(Redirect::to(&format!("/reports/jobs/{id}")).into_response())
}

/// Runs a job on this instance, in the background: every step is written to the
/// database, so whichever instance the requester reaches shows where it is.
pub fn spawn_job(state: AppState, user: User, ip: String, id: i64, req: ReportRequest) {
    tokio::spawn(async move {
        let store = state.store.clone();
        // Progress is written from a side task so that a slow write never holds up
        // the report; the last word is always the finish or the failure below.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(i64, &'static str)>();
        let writer = {
            let store = store.clone();
            tokio::spawn(async move {
                while let Some((pct, step)) = rx.recv().await {
                    let _ = store.set_report_progress(id, pct, step, Utc::now()).await;
                }
            })
        };
        let progress = move |pct: i64, step: &'static str| {
            let _ = tx.send((pct, step));
        };
        let result = async {
            let (_, book) = build(&state, &req, &progress).await?;
            progress(70, "report.step_writing");
            let file = render(book, &req).await?;
            Ok::<_, AppError>(file)
        }
        .await;
        drop(progress);
        let _ = writer.await;
        match result {
            Ok(file) => {
                if let Err(e) = store
                    .finish_report_job(
                        id,
                        &file.filename,
                        file.content_type,
                        &file.bytes,
                        Utc::now(),
                    )
                    .await
                {
                    tracing::error!(error = %e, job = id, "could not store a finished report");
                    let _ = store
                        .fail_report_job(id, "report.failed_internal", Utc::now())
                        .await;
                } else {
                    record_export(&state, &user, Some(ip), &req).await;
                }
            }
            Err(e) => {
                let key = match &e {
                    AppError::BadRequest(k) => k,
                    _ => {
                        tracing::error!(error = ?e, job = id, "a report failed");
                        "report.failed_internal"
                    }
                };
                let _ = store.fail_report_job(id, key, Utc::now()).await;
            }
        }
    });
}

/// The requester's own job (admins may open any); anyone else gets "not found".
async fn own_job(state: &AppState, user: &User, id: i64) -> Result<ReportJobRow, AppError> {
    state
        .store
        .report_job(id)
        .await?
        .filter(|j| j.requested_by == user.id || user.role == Role::Admin)
        .ok_or(AppError::NotFound)
}

async fn job_page(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !may_report(user.role) {
        return Err(AppError::Forbidden);
    }
    let job = own_job(&state, &user, id).await?;
    let tr = page.tr();
    let st = job_state(&job, Utc::now());
    let working = matches!(st, "queued" | "running");
    let body = layout::page(
        &page,
        tr.t("report.page_title"),
        html! {
            @if working {
                // Without script the page refreshes itself until the report is ready.
                meta http-equiv="refresh" content="2";
            }
            p { a href="/reports" { "← " (tr.t("report.page_title")) } }
            h1 { (job_summary(tr, &job)) }
            section.card #report-job data-status=(st) {
                p { strong { (tr.t(&format!("report.status_{st}"))) } }
                @if working {
                    progress max="100" value=(job.progress) aria-label=(tr.t("report.progress")) { (job.progress) "%" }
                    p.muted {
                        (job.progress) "% · "
                        @if !job.step.is_empty() { (tr.t(&job.step)) } @else { (tr.t("report.status_queued")) }
                    }
                    p.hint { (tr.t("report.working_hint")) }
                }
                @if st == "done" {
                    p {
                        a.button.primary href={ "/reports/jobs/" (job.id) "/download" } download {
                            (tr.t("report.download")) " · " (job.filename.clone().unwrap_or_default())
                        }
                    }
                    @if let Some(at) = job.finished_at {
                        p.muted { (tr.f("report.finished_in", &[("seconds", &format!("{:.1}", (at - job.created_at).num_milliseconds() as f64 / 1000.0))])) }
                    }
                }
                @if st == "failed" {
                    p.error role="alert" { (tr.t(job.error.as_deref().unwrap_or("report.failed_internal"))) }
                }
                @if st == "interrupted" {
                    p.error role="alert" { (tr.t("report.interrupted")) }
                }
            }
        },
    );
    Ok(body.into_response())
}

fn file_response(bytes: Vec<u8>, content_type: &str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn download(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !may_report(user.role) {
        return Err(AppError::Forbidden);
    }
    let job = own_job(&state, &user, id).await?;
    let bytes = state
        .store
        .report_job_result(id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(file_response(
        bytes,
        job.content_type
            .as_deref()
            .unwrap_or("application/octet-stream"),
        job.filename.as_deref().unwrap_or("report"),
    ))
}

// ---------------------------------------------------------------- API

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
pub struct ApiParams {
    /// First day, `YYYY-MM-DD`.
    from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    to: Option<String>,
    /// pdf, docx, xlsx, csv or json (the default: the tables).
    format: Option<String>,
    /// Only issues and findings of this policy area.
    area_id: Option<String>,
    /// Only issues this organisation owns or supports, and findings it recorded.
    org_id: Option<String>,
}

/// The portfolio report for a period: issues by stage, new findings by policy area,
/// submissions and answers per department, outcomes, overdue items.
#[utoipa::path(get, path = "/api/v1/reports/portfolio", tag = "reports", security(("bearer" = [])),
    params(ApiParams),
    responses(
        (status = 200, description = "The report in the format asked for"),
        (status = 422, description = "A bad period, scope or format (`validation_failed`)", body = crate::api::ErrorBody),
        (status = 403, description = "Workers do not make reports", body = crate::api::ErrorBody),
    ))]
pub async fn api(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: RequestContext,
    Query(q): Query<ApiParams>,
) -> Result<Response, AppError> {
    if !may_report(user.role) {
        return Err(AppError::Forbidden);
    }
    let form = ReportForm {
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        area_id: q.area_id.unwrap_or_default(),
        org_id: q.org_id.unwrap_or_default(),
        format: q.format.unwrap_or_else(|| "json".into()),
    };
    let req = match parse_request(&form, ctx.lang) {
        Ok(r) => r,
        Err(errors) => {
            let problems: Vec<(Option<&str>, &str)> = errors
                .entries()
                .into_iter()
                .map(|(f, k)| (Some(f), k))
                .collect();
            return Ok(crate::api::validation_failed(ctx.tr(), &problems));
        }
    };
    let (_, book) = build(&state, &req, &|_, _| {}).await?;
    record_export(&state, &user, Some(ctx.ip.clone()), &req).await;
    if req.format == "json" {
        return Ok(Json(book).into_response());
    }
    let file = render(book, &req).await?;
    Ok(file_response(file.bytes, file.content_type, &file.filename))
}
