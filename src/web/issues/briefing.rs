//! The briefing of one issue: built once as a `domain::briefing::Document`, rendered as
//! Markdown, as a print-ready page, and (through the API) as JSON. Exports always
//! suppress small cells, never carry private fields, and are recorded in the audit log.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use super::load_issue;
use crate::domain::briefing::{Block, Document, heading_numbers, to_markdown};
use crate::domain::evidence::{self, Cell, EvidenceItem, Suppression};
use crate::domain::finding::{access, today_in_china};
use crate::domain::pii;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::store::{AuditEvent, User};
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};
use crate::web::findings::{Taxonomy, format_amount, locality_label};

/// Builds the briefing as `user` may hand it out, in `lang`.
pub async fn build(
    state: &AppState,
    user: &User,
    issue_id: i64,
    lang: Lang,
) -> Result<Document, AppError> {
    let tr = Tr(lang);
    let issue = load_issue(state, issue_id).await?;
    let tax = Taxonomy::cached(state).await?;
    let proposal = state.store.proposal_versions(issue_id).await?.pop();
    let linked = state.store.evidence_items(issue_id).await?;
    let items: Vec<EvidenceItem> = linked.iter().map(|(_, it)| it.clone()).collect();
    let s = evidence::summarise(&items);
    let sup = Suppression::for_export(state.settings.small_cell);
    let count = |n: usize| super::cell(tr, n, sup);
    let mut blocks = Vec::new();
    let para = |t: &str| Block::Paragraph(t.to_string());

    blocks.push(Block::Heading {
        level: 1,
        text: tr.t("briefing.summary").into(),
    });
    blocks.push(para(
        proposal
            .as_ref()
            .map(|p| p.reason.as_str())
            .filter(|r| !r.is_empty())
            .unwrap_or(&issue.problem_statement),
    ));

    blocks.push(Block::Heading {
        level: 1,
        text: tr.t("proposal.evidence").into(),
    });
    let span = match (s.first_observed, s.last_observed) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        _ => "—".into(),
    };
    blocks.push(Block::Paragraph(tr.f(
        "proposal.evidence_line",
        &[
            ("findings", &s.findings.to_string()),
            ("workers", &s.workers.to_string()),
            ("orgs", &s.organisations.to_string()),
            ("districts", &s.districts.to_string()),
            ("people", &s.people_affected.to_string()),
            ("span", &span),
        ],
    )));
    for g in s
        .gaps
        .iter()
        .filter(|g| sup.shown(g.count) != Cell::Few)
        .take(3)
    {
        blocks.push(Block::Paragraph(tr.f(
            "issues.gap_line",
            &[
                ("larger", &g.larger),
                ("smaller", &g.smaller),
                ("gap", &format_amount(g.median_gap)),
                ("unit", &g.unit),
                ("count", &count(g.count)),
            ],
        )));
    }
    let suppressed_note = tr.f(
        "issues.suppressed_note",
        &[("n", &sup.threshold.to_string())],
    );
    // Per district: where the gap was met (months spread findings too thin to show).
    if !s.per_district.is_empty() {
        let bars = s
            .per_district
            .iter()
            .map(|(d, n)| {
                let name = tax
                    .locality(*d)
                    .map(|l| locality_label(l, lang).to_string())
                    .unwrap_or_else(|| format!("#{d}"));
                (
                    name,
                    match sup.shown(*n) {
                        Cell::Exact(v) => Some(v),
                        Cell::Few => None,
                    },
                )
            })
            .collect();
        blocks.push(Block::Chart {
            title: tr.t("issues.by_district").into(),
            bars,
            note: Some(suppressed_note.clone()),
        });
    }
    // Vignettes the author picked, as this reader may see them; words only, and any
    // personal data the guard would catch masked, since a briefing leaves the federation.
    let picked: Vec<i64> = proposal
        .as_ref()
        .map(|p| p.vignettes())
        .unwrap_or_default()
        .into_iter()
        .filter(|id| {
            linked
                .iter()
                .any(|(l, it)| l == id && access::can_view(user.role, user.org_id, it.org_id))
        })
        .collect();
    if !picked.is_empty() {
        let mut found = state.store.get_findings(&picked).await?;
        found.sort_by_key(|f| picked.iter().position(|id| *id == f.id));
        blocks.push(Block::Heading {
            level: 1,
            text: tr.t("proposal.vignettes").into(),
        });
        for f in &found {
            blocks.push(Block::Quote {
                text: pii::mask_all(&f.narrative),
                source: super::proposal::vignette_source(f, &tax, tr),
            });
        }
    }
    if let Some(p) = &proposal {
        for (text, key) in [
            (&p.background, "proposal.background"),
            (&p.analysis, "proposal.analysis"),
        ] {
            if !text.is_empty() {
                blocks.push(Block::Heading {
                    level: 1,
                    text: tr.t(key).into(),
                });
                blocks.extend(
                    text.split("\n\n")
                        .map(|t| Block::Paragraph(t.trim().into())),
                );
            }
        }
        let recs: Vec<String> = p
            .recommendation_list()
            .into_iter()
            .map(String::from)
            .collect();
        if !recs.is_empty() {
            blocks.push(Block::Heading {
                level: 1,
                text: tr.t("proposal.recommendations").into(),
            });
            blocks.push(Block::Numbered(recs));
        }
        if !p.cost.is_empty() {
            blocks.push(Block::Heading {
                level: 1,
                text: tr.t("proposal.cost").into(),
            });
            blocks.push(para(&p.cost));
        }
    }
    let submissions = state.store.list_submissions(issue_id).await?;
    if !submissions.is_empty() {
        let responses = state.store.list_responses(issue_id).await?;
        blocks.push(Block::Heading {
            level: 1,
            text: tr.t("briefing.history").into(),
        });
        let rows = submissions
            .iter()
            .map(|sub| {
                let answers: Vec<String> = responses
                    .iter()
                    .filter(|r| r.submission_id == sub.id)
                    .map(|r| format!("{} {} {}", r.responded_on, r.classification, r.summary))
                    .collect();
                vec![
                    if lang == Lang::En && !sub.department_en.is_empty() {
                        sub.department_en.clone()
                    } else {
                        sub.department_zh.clone()
                    },
                    sub.submitted_on.to_string(),
                    sub.current_due().to_string(),
                    if answers.is_empty() {
                        "—".into()
                    } else {
                        answers.join("; ")
                    },
                ]
            })
            .collect();
        blocks.push(Block::Table {
            headers: vec![
                tr.t("submissions.department").into(),
                tr.t("submissions.submitted_on").into(),
                tr.t("submissions.due_on").into(),
                tr.t("briefing.answers").into(),
            ],
            rows,
        });
    }
    // The appendix: the findings this reader may see, public fields only.
    let visible: Vec<i64> = linked
        .iter()
        .filter(|(_, it)| access::can_view(user.role, user.org_id, it.org_id))
        .map(|(id, _)| *id)
        .collect();
    if !visible.is_empty() {
        let findings = state.store.get_findings(&visible).await?;
        blocks.push(Block::Heading {
            level: 1,
            text: tr.t("briefing.appendix").into(),
        });
        let rows = findings
            .iter()
            .map(|f| {
                let district = evidence::district_of(&f.locality_path)
                    .and_then(|d| tax.locality(d))
                    .map(|l| locality_label(l, lang).to_string())
                    .unwrap_or_default();
                let excerpt: String = pii::mask_all(&f.narrative).chars().take(160).collect();
                vec![
                    format!("#{}", f.id),
                    f.observed_on.to_string(),
                    district,
                    excerpt,
                ]
            })
            .collect();
        blocks.push(Block::Table {
            headers: vec![
                tr.t("export.id").into(),
                tr.t("briefing.observed").into(),
                tr.t("issues.by_district").into(),
                tr.t("briefing.finding").into(),
            ],
            rows,
        });
    }
    let today = today_in_china();
    Ok(Document {
        title: proposal.map(|p| p.title).unwrap_or(issue.title),
        subtitle: tr.f(
            "briefing.subtitle",
            &[
                ("id", &issue_id.to_string()),
                (
                    "date",
                    &format!("{}-{:02}-{:02}", today.year(), today.month(), today.day()),
                ),
            ],
        ),
        blocks,
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct BriefingParams {
    /// md, docx or json (the print page is `/issues/{id}/briefing`).
    #[serde(default)]
    format: Option<String>,
}

async fn record_export(
    state: &AppState,
    user: &User,
    ip: &str,
    issue_id: i64,
    format: &str,
) -> Result<(), AppError> {
    state
        .store
        .record_audit(
            &AuditEvent::new(
                "issue.briefing_exported",
                Some(user.id),
                Some(ip.to_string()),
            )
            .subject("issue", Some(issue_id))
            .detail(format),
        )
        .await?;
    Ok(())
}

fn markdown_response(doc: &Document, lang: Lang, issue_id: i64) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"issue-{issue_id}-briefing.md\""),
            ),
        ],
        to_markdown(doc, lang == Lang::Zh),
    )
        .into_response()
}

/// Markdown download.
pub async fn markdown(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: RequestContext,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let doc = build(&state, &user, id, ctx.lang).await?;
    record_export(&state, &user, &ctx.ip, id, "md").await?;
    Ok(markdown_response(&doc, ctx.lang, id))
}

async fn docx_response(doc: Document, lang: Lang, issue_id: i64) -> Result<Response, AppError> {
    // Building and zipping thousands of rows is CPU work: off the async threads.
    let bytes = crate::web::offload::build_document(move || {
        crate::documents::docx::to_docx(&doc, lang == Lang::Zh)
    })
    .await?
    .map_err(AppError::Internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"issue-{issue_id}-briefing.docx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn pdf_response(doc: Document, lang: Lang, issue_id: i64) -> Result<Response, AppError> {
    let bytes = crate::web::offload::build_document(move || {
        crate::documents::pdf_or_font_error(&doc, lang == Lang::Zh)
    })
    .await?
    .map_err(AppError::Internal)?
    .map_err(|e| {
        tracing::error!(error = %e, "PDF export");
        AppError::NotAvailable("briefing.pdf_font_missing")
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"issue-{issue_id}-briefing.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// PDF download, with the Chinese font embedded.
pub async fn pdf(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: RequestContext,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let doc = build(&state, &user, id, ctx.lang).await?;
    let res = pdf_response(doc, ctx.lang, id).await?;
    record_export(&state, &user, &ctx.ip, id, "pdf").await?;
    Ok(res)
}

/// DOCX download, to edit further in Word or LibreOffice.
pub async fn docx(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: RequestContext,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let doc = build(&state, &user, id, ctx.lang).await?;
    record_export(&state, &user, &ctx.ip, id, "docx").await?;
    docx_response(doc, ctx.lang, id).await
}

/// The print-ready page: the same document, laid out for paper (and "Save as PDF").
pub async fn print_page(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: RequestContext,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let doc = build(&state, &user, id, ctx.lang).await?;
    record_export(&state, &user, &ctx.ip, id, "print").await?;
    Ok(render_print(&doc, ctx.lang).into_response())
}

fn render_print(d: &Document, lang: Lang) -> Markup {
    let numbers = heading_numbers(&d.blocks, lang == Lang::Zh);
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (d.title) }
                link rel="stylesheet" href="/static/print.css";
            }
            body.briefing {
                main {
                    h1 { (d.title) }
                    p.subtitle { (d.subtitle) }
                    @for (b, n) in d.blocks.iter().zip(&numbers) {
                        @match b {
                            Block::Heading { level: 1, text } => { h2 { (n) (text) } }
                            Block::Heading { text, .. } => { h3 { (n) (text) } }
                            Block::Paragraph(p) => { p { (p) } }
                            Block::Numbered(items) => { ol { @for i in items { li { (i) } } } }
                            Block::Quote { text, source } => {
                                blockquote.vignette {
                                    @for line in text.lines().filter(|l| !l.trim().is_empty()) { p { (line) } }
                                    footer { "—— " (source) }
                                }
                            }
                            Block::Table { headers, rows } => {
                                table {
                                    thead { tr { @for h in headers { th { (h) } } } }
                                    tbody { @for r in rows { tr { @for c in r { td { (c) } } } } }
                                }
                            }
                            Block::Chart { title, bars, note } => {
                                // Drawn as SVG: the page's security policy allows no inline
                                // styles, so bar widths cannot be CSS.
                                @let shown: Vec<crate::web::charts::Bar> = bars.iter().map(|(label, v)| crate::web::charts::Bar {
                                    label: label.clone(),
                                    value: v.map(|n| n as f64),
                                    shown: v.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
                                    href: None,
                                }).collect();
                                @let summary = shown.iter().map(|b| format!("{}: {}", b.label, b.shown)).collect::<Vec<_>>().join("; ");
                                figure.chart {
                                    figcaption { (title) }
                                    (crate::web::charts::bar_svg(&format!("chart-{}", title.len()), title, &summary, &shown))
                                    @if let Some(n) = note { p.note { (n) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The briefing of an issue: `format=md` (Markdown), `docx`, `pdf` or `json` (the document model).
#[utoipa::path(get, path = "/api/v1/issues/{id}/briefing", tag = "issues", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Issue id"), ("format" = Option<String>, Query, description = "md (default), docx, pdf or json")),
    responses(
        (status = 200, description = "The briefing"),
        (status = 400, description = "Unknown format (`bad_request`)", body = crate::api::ErrorBody),
    ))]
pub async fn api(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: RequestContext,
    Path(id): Path<i64>,
    Query(p): Query<BriefingParams>,
) -> Result<Response, AppError> {
    let format = p.format.unwrap_or_else(|| "md".into());
    if !["md", "json", "docx", "pdf"].contains(&format.as_str()) {
        return Err(AppError::BadRequest("briefing.format_unknown"));
    }
    let doc = build(&state, &user, id, ctx.lang).await?;
    record_export(&state, &user, &ctx.ip, id, &format).await?;
    match format.as_str() {
        "json" => Ok(axum::Json(doc).into_response()),
        "docx" => docx_response(doc, ctx.lang, id).await,
        "pdf" => pdf_response(doc, ctx.lang, id).await,
        _ => Ok(markdown_response(&doc, ctx.lang, id)),
    }
}
