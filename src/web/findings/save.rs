//! Saving a finding, the same way for the form, the API and imports: validation,
//! references, the personal-data guard (with an optional confirmation), versions.

use chrono::Utc;

use super::Taxonomy;
use crate::domain::finding::{
    self, FieldHit, FieldProblem, FindingDraft, FindingInput, personal_data, today_in_china,
};
use crate::domain::search_text::document_terms;
use crate::error::AppError;
use crate::store::findings::{Author, Finding, PiiConfirmation};
use crate::store::{StoreError, User};
use crate::web::AppState;

pub enum SaveOutcome {
    Saved(i64),
    /// An edit that changed nothing (no new version is written).
    Unchanged(i64),
    /// Problems to fix, or personal data found and not confirmed.
    Invalid {
        problems: Vec<FieldProblem>,
        hits: Vec<FieldHit>,
    },
    /// Someone else saved since the version the editor started from.
    Conflict,
}

/// Checks the references a draft makes: the policy area and locality must exist and be
/// in use (or be the ones the finding already had).
pub fn check_references(
    draft: &FindingDraft,
    tax: &Taxonomy,
    current: Option<&Finding>,
    problems: &mut Vec<FieldProblem>,
) -> Option<String> {
    let area_ok = tax.areas.iter().any(|a| {
        a.id == draft.policy_area_id
            && (a.active || current.is_some_and(|f| f.policy_area_id == a.id))
    });
    if !area_ok {
        problems.push(FieldProblem {
            field: "policy_area_id".into(),
            key: "finding.policy_area_unknown",
        });
    }
    match tax.locality(draft.locality_id) {
        Some(l) if l.active || current.is_some_and(|f| f.locality_id == l.id) => {
            Some(l.path.clone())
        }
        _ => {
            problems.push(FieldProblem {
                field: "locality_id".into(),
                key: "finding.locality_unknown",
            });
            None
        }
    }
}

/// The fields whose content differs between a stored finding and a new draft.
pub fn changed_fields(before: &Finding, after: &FindingDraft) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |name: &str, changed: bool| {
        if changed {
            out.push(name.to_string());
        }
    };
    check("narrative", before.narrative != after.narrative);
    check(
        "policy_area_id",
        before.policy_area_id != after.policy_area_id,
    );
    check("locality_id", before.locality_id != after.locality_id);
    check("observed_on", before.observed_on != after.observed_on);
    check(
        "people_affected",
        before.people_affected != after.people_affected,
    );
    check("age_min", before.age_min != after.age_min);
    check("age_max", before.age_max != after.age_max);
    check("threshold", before.threshold != after.threshold);
    check("failure_mode", before.failure_mode != after.failure_mode);
    check("figures", before.figures != after.figures);
    check(
        "tags",
        before
            .tags
            .iter()
            .map(|t| t.to_lowercase())
            .collect::<std::collections::BTreeSet<_>>()
            != after.tags.iter().map(|t| t.to_lowercase()).collect(),
    );
    check(
        "case_reference",
        before.case_reference != after.case_reference,
    );
    check("private_notes", before.private_notes != after.private_notes);
    out
}

/// The JSON kept with a confirmed save: which hits the worker chose to keep.
pub fn confirmation_for(
    hits: &[FieldHit],
    input: &FindingInput,
    reason: &str,
) -> Option<PiiConfirmation> {
    if hits.is_empty() {
        return None;
    }
    let texts = finding::guarded_fields(input);
    let list: Vec<serde_json::Value> = hits
        .iter()
        .map(|h| {
            let text = texts.iter().find(|(f, _)| *f == h.field).map(|(_, t)| *t).unwrap_or("");
            let (start, end) = h.hit.char_range(text);
            serde_json::json!({ "field": h.field, "kind": h.hit.kind.as_str(), "start": start, "end": end })
        })
        .collect();
    Some(PiiConfirmation {
        reason: reason.trim().to_string(),
        hits: serde_json::Value::Array(list).to_string(),
    })
}

/// The guard's hits in `input`, less those an earlier save already confirmed: an edit
/// of another field does not ask again about what is already on record.
pub fn new_hits(input: &FindingInput, current: Option<&Finding>) -> Vec<FieldHit> {
    let hits = personal_data(input);
    let Some(before) = current else { return hits };
    let before_input = super::form::input_from(before);
    let known: Vec<(String, String)> = personal_data(&before_input)
        .into_iter()
        .filter_map(|h| {
            let texts = finding::guarded_fields(&before_input);
            let text = texts.iter().find(|(f, _)| *f == h.field)?.1;
            Some((h.field.clone(), text[h.hit.start..h.hit.end].to_string()))
        })
        .collect();
    let texts = finding::guarded_fields(input);
    hits.into_iter()
        .filter(|h| {
            let text = texts
                .iter()
                .find(|(f, _)| *f == h.field)
                .map(|(_, t)| *t)
                .unwrap_or("");
            !known.contains(&(h.field.clone(), text[h.hit.start..h.hit.end].to_string()))
        })
        .collect()
}

/// Validates and stores `input` as a new finding (`current` is `None`) or as the next
/// version of `current`. `confirm_reason`: the person confirmed that the guard's hits
/// are not personal data, for this reason (an empty reason is a problem).
pub async fn save_finding(
    state: &AppState,
    user: &User,
    ip: &str,
    input: &FindingInput,
    confirm_reason: Option<&str>,
    current: Option<&Finding>,
    expected_version: Option<i64>,
) -> Result<SaveOutcome, AppError> {
    let tax = Taxonomy::cached(state).await?;
    let hits = new_hits(input, current);
    let (draft, mut problems) = match finding::validate(input, today_in_china()) {
        Ok(d) => (Some(d), Vec::new()),
        Err(p) => (None, p),
    };
    let path = draft
        .as_ref()
        .and_then(|d| check_references(d, &tax, current, &mut problems));
    let reason = confirm_reason.map(str::trim).unwrap_or("");
    if !hits.is_empty() && confirm_reason.is_some() && reason.is_empty() {
        problems.push(FieldProblem {
            field: "confirm_reason".into(),
            key: "pii.reason_required",
        });
    }
    if !problems.is_empty() || (!hits.is_empty() && reason.is_empty()) {
        return Ok(SaveOutcome::Invalid { problems, hits });
    }
    let (Some(draft), Some(path)) = (draft, path) else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "validated draft without a locality path"
        )));
    };
    let author = Author {
        user_id: user.id,
        org_id: user.org_id,
        at: Utc::now(),
        ip: Some(ip.to_string()),
    };
    let terms = document_terms(&finding::searchable_text(&draft));
    let confirmation = confirmation_for(&hits, input, reason);
    match current {
        None => {
            let id = state
                .store
                .create_finding(&author, &draft, &path, &terms, confirmation.as_ref())
                .await?;
            Ok(SaveOutcome::Saved(id))
        }
        Some(before) => {
            let changed = changed_fields(before, &draft);
            if changed.is_empty() {
                return Ok(SaveOutcome::Unchanged(before.id));
            }
            let version = expected_version.unwrap_or(before.version);
            match state
                .store
                .update_finding(
                    before.id,
                    version,
                    &author,
                    &draft,
                    &path,
                    &terms,
                    &changed,
                    confirmation.as_ref(),
                )
                .await
            {
                Ok(()) => Ok(SaveOutcome::Saved(before.id)),
                Err(StoreError::Conflict) => Ok(SaveOutcome::Conflict),
                Err(e) => Err(e.into()),
            }
        }
    }
}
