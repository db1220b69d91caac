//! The JSON API under `/api/v1`, with its OpenAPI 3 description at `/api/openapi.json`.
//!
//! Authenticated by `Authorization: Bearer <token>` or by the browser session (then
//! state-changing calls need the `X-CSRF-Token` header). Errors are
//! `{"error":{"code":"…","message":"…"}}`, rendered by `web::errors`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

pub mod findings;
pub mod import;
pub mod issues;
use axum::Json;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::store::User;
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/api/v1/me", get(me))
        .route(
            "/api/v1/findings",
            get(findings::list).post(findings::create),
        )
        .route(
            "/api/v1/findings/{id}",
            get(findings::get_one)
                .patch(findings::update)
                .delete(findings::delete),
        )
        .route("/api/v1/taxonomies", get(findings::taxonomies))
        .route("/api/v1/issues", get(issues::list).post(issues::create))
        .route("/api/v1/issues/{id}", get(issues::get_one))
        .route("/api/v1/candidates", get(issues::candidates))
        .route(
            "/api/v1/issues/{id}/briefing",
            get(crate::web::issues::briefing::api),
        )
        .route(
            "/api/v1/issues/{id}/proposal",
            get(crate::web::issues::proposal::api_versions)
                .post(crate::web::issues::proposal::api_save),
        )
        .route(
            "/api/v1/issues/{id}/transitions",
            axum::routing::post(crate::web::issues::lifecycle::api_transition),
        )
        .route(
            "/api/v1/submissions/{id}/responses",
            get(crate::web::issues::answers::api_list)
                .post(crate::web::issues::answers::api_create),
        )
        .route(
            "/api/v1/issues/{id}/submissions",
            get(crate::web::issues::lifecycle::api_list_submissions)
                .post(crate::web::issues::lifecycle::api_create_submission),
        )
        .route(
            "/api/v1/issues/{id}/merge",
            axum::routing::post(issues::merge),
        )
        .route(
            "/api/v1/issues/{id}/findings",
            axum::routing::post(issues::link).delete(issues::unlink),
        )
        .route(
            "/api/v1/findings/import",
            axum::routing::post(import::import).layer(axum::extract::DefaultBodyLimit::max(
                crate::web::UPLOAD_LIMIT_BYTES,
            )),
        )
        .route("/api/openapi.json", get(openapi_json))
        .route("/healthz", get(healthz))
}

/// The error body every failing API call returns.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `unauthenticated`, `invalid_token`, `forbidden`,
    /// `not_found`, `csrf_failed`, `conflict`, `bad_request`, `payload_too_large`,
    /// `rate_limited`, `unavailable`, `internal`.
    pub code: String,
    /// A human-readable message in the caller's language.
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organisation: OrgRef,
    /// The language pages and messages are shown in for this request.
    pub language: Lang,
    /// How this request was authenticated: `token` or `session`.
    pub authenticated_by: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
}

impl MeResponse {
    fn new(user: &User, ctx: &RequestContext) -> Self {
        MeResponse {
            id: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            role: user.role,
            organisation: OrgRef {
                id: user.org_id,
                name: user.org_name.clone(),
            },
            language: ctx.lang,
            authenticated_by: if ctx.via_token { "token" } else { "session" }.to_string(),
        }
    }
}

/// The signed-in user.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user this request is authenticated as", body = MeResponse),
        (status = 401, description = "No or an invalid token or session", body = ErrorBody),
    )
)]
async fn me(ctx: RequestContext, CurrentUser(user): CurrentUser) -> Json<MeResponse> {
    Json(MeResponse::new(&user, &ctx))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers, `unavailable` otherwise.
    pub status: String,
    pub database: String,
}

/// Whether the application and its database answer (for load balancers).
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    )
)]
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let database = match state.store.backend() {
        crate::store::Backend::Sqlite => "sqlite",
        crate::store::Backend::Postgres => "postgres",
    }
    .to_string();
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok".into(),
                database,
            }),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable".into(),
                    database,
                }),
            )
        }
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("gs_ followed by 64 hex digits")
                    .build(),
            ),
        );
    }
}

/// The errors any call may meet before or besides its handler (a malformed body or
/// path, no or a revoked token, a role without the permission, an id that is not
/// there or not visible, the body limit, the rate limit, the database down), added to
/// every operation so that the document describes every answer the API gives; an
/// operation that documents its own body for one of these statuses (the import's
/// 422 report) gets `oneOf` that body and [`ErrorBody`].
struct CommonErrors;

impl CommonErrors {
    const STATUSES: [(&'static str, &'static str); 9] = [
        ("400", "The request could not be read (body, path or query)"),
        ("401", "No token or session, or an invalid one"),
        ("403", "The role may not do this (or a CSRF check failed)"),
        ("404", "Not found, or not visible to this user"),
        ("413", "The request body is larger than allowed"),
        (
            "415",
            "The body is not JSON (`Content-Type: application/json`)",
        ),
        (
            "422",
            "The body does not have the fields and types this call needs",
        ),
        (
            "429",
            "Too many requests from this token or address: wait `Retry-After` seconds",
        ),
        ("503", "The database does not answer"),
    ];
}

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::OneOfBuilder;
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let error_ref = || Ref::from_schema_name("ErrorBody");
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in operations.into_iter().flatten() {
                let takes_body = op.request_body.is_some();
                for (status, description) in Self::STATUSES {
                    if status == "415" && !takes_body {
                        continue;
                    }
                    match op.responses.responses.get_mut(status) {
                        None => {
                            let mut response =
                                ResponseBuilder::new().description(description).content(
                                    "application/json",
                                    ContentBuilder::new().schema(Some(error_ref())).build(),
                                );
                            if status == "429" {
                                response = response.header(
                                    "Retry-After",
                                    utoipa::openapi::header::HeaderBuilder::new()
                                        .schema(Some(
                                            utoipa::openapi::ObjectBuilder::new().schema_type(
                                                utoipa::openapi::schema::Type::Integer,
                                            ),
                                        ))
                                        .description(Some("Seconds to wait"))
                                        .build(),
                                );
                            }
                            op.responses
                                .responses
                                .insert(status.to_string(), response.build().into());
                        }
                        Some(RefOr::T(response)) => {
                            for content in response.content.values_mut() {
                                let RefOr::T(content) = content else { continue };
                                let own = content.schema.take();
                                let is_error = matches!(&own, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/ErrorBody"));
                                content.schema = match own {
                                    Some(own) if !is_error => {
                                        Some(OneOfBuilder::new().item(own).item(error_ref()).into())
                                    }
                                    other => other,
                                };
                            }
                        }
                        Some(RefOr::Ref(_)) => {}
                    }
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Groundswell API",
        description = "Findings, advocacy issues and their follow-up. Authenticate with \
                       `Authorization: Bearer <token>` (create one with \
                       `groundswell token create` or on the account page).",
    ),
    paths(
        me,
        healthz,
        findings::list,
        findings::create,
        findings::get_one,
        findings::update,
        findings::delete,
        findings::taxonomies,
        import::import,
        issues::list,
        issues::create,
        issues::get_one,
        issues::link,
        issues::unlink,
        issues::merge,
        issues::candidates,
        crate::web::issues::lifecycle::api_transition,
        crate::web::issues::lifecycle::api_list_submissions,
        crate::web::issues::lifecycle::api_create_submission,
        crate::web::issues::answers::api_list,
        crate::web::issues::answers::api_create,
        crate::web::inbox::api,
        crate::web::issues::proposal::api_versions,
        crate::web::issues::briefing::api,
        crate::web::issues::proposal::api_save,
        crate::web::parameters::api_list,
        crate::web::parameters::api_create,
        crate::web::parameters::api_add_value,
        crate::web::departments::api_list,
        crate::web::departments::api_create,
        crate::web::reports::api,
    ),
    components(schemas(
        crate::store::recurrence::CandidateRow,
        crate::store::lifecycle::SubmissionRow,
        crate::store::lifecycle::DepartmentRow,
        crate::web::issues::lifecycle::MoveRequest,
        crate::web::issues::lifecycle::SubmissionForm,
        crate::web::departments::DepartmentForm,
        crate::web::inbox::InboxItem,
        crate::store::proposals::ProposalVersion,
        crate::store::proposals::ProposalText,
        crate::web::issues::proposal::ProposalPayload,
        crate::web::parameters::ParameterForm,
        crate::web::parameters::ValueForm,
        crate::store::parameters::ParameterRow,
        crate::store::parameters::ValueRow,
        crate::web::issues::answers::ResponseForm,
        crate::web::issues::answers::ResponsesJson,
        crate::store::lifecycle::ResponseRow,
        crate::store::lifecycle::CommitmentRow,
        ErrorBody,
        ErrorDetail,
        MeResponse,
        OrgRef,
        Health,
        Role,
        Lang,
        findings::FindingJson,
        findings::FindingPage,
        findings::FindingPayload,
        findings::FieldErrorJson,
        findings::HitJson,
        import::ImportRequest,
        import::ImportReport,
        import::ProblemJson,
        issues::IssueJson,
        issues::EvidenceJson,
        issues::IssuePayload,
        issues::LinkPayload,
        issues::MergePayload,
        crate::store::issues::IssueRow,
    )),
    modifiers(&BearerAuth, &CommonErrors),
)]
pub struct ApiDoc;

async fn openapi_json() -> Result<impl IntoResponse, AppError> {
    Ok(Json(ApiDoc::openapi()))
}

/// A 422 `validation_failed` response: one entry per problem, `(field, message key)`,
/// the field left out when a problem is not about one field.
pub fn validation_failed(
    tr: crate::i18n::Tr,
    problems: &[(Option<&str>, &str)],
) -> axum::response::Response {
    let fields: Vec<serde_json::Value> = problems
        .iter()
        .map(|(field, key)| {
            let mut entry = serde_json::json!({ "code": key, "message": tr.t(key) });
            if let Some(f) = field {
                entry["field"] = serde_json::json!(f);
            }
            entry
        })
        .collect();
    let body = serde_json::json!({ "error": { "code": "validation_failed", "message": tr.t("form.has_errors"), "fields": fields } });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// The problems a form's `FieldErrors` holds, in the order of `fields`.
pub fn field_problems<'a>(
    errors: &crate::web::forms::FieldErrors,
    fields: &[&'a str],
) -> Vec<(Option<&'a str>, &'static str)> {
    fields
        .iter()
        .filter_map(|f| errors.get(f).map(|k| (Some(*f), k)))
        .collect()
}
