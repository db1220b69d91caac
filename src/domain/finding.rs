//! A finding: one gap a worker saw in casework. This module holds what a finding is,
//! how raw input (a form, an API call, a spreadsheet row) is checked into one, who may
//! see and change it, and which of its fields the personal-data guard reads.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::pii::{self, PiiHit};
use super::role::Role;

/// Dates are "today" where the users are: China, UTC+8 (no daylight saving).
pub fn today_in_china() -> NaiveDate {
    let offset = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    Utc::now().with_timezone(&offset).date_naive()
}

/// The day a moment falls on in China.
pub fn china_date(t: DateTime<Utc>) -> NaiveDate {
    let offset = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    t.with_timezone(&offset).date_naive()
}

/// The moment a day begins in China.
pub fn china_day_start(d: NaiveDate) -> DateTime<Utc> {
    let offset = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    d.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(offset)
        .single()
        .expect("a fixed offset is unambiguous")
        .with_timezone(&Utc)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdKind {
    Age,
    Income,
    Residence,
    DisabilityGrade,
    Other,
}

impl ThresholdKind {
    pub const ALL: [ThresholdKind; 5] = [
        ThresholdKind::Age,
        ThresholdKind::Income,
        ThresholdKind::Residence,
        ThresholdKind::DisabilityGrade,
        ThresholdKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ThresholdKind::Age => "age",
            ThresholdKind::Income => "income",
            ThresholdKind::Residence => "residence",
            ThresholdKind::DisabilityGrade => "disability_grade",
            ThresholdKind::Other => "other",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            ThresholdKind::Age => "threshold.age",
            ThresholdKind::Income => "threshold.income",
            ThresholdKind::Residence => "threshold.residence",
            ThresholdKind::DisabilityGrade => "threshold.disability_grade",
            ThresholdKind::Other => "threshold.other",
        }
    }

    pub fn parse(s: &str) -> Option<ThresholdKind> {
        let s = s.trim().to_lowercase();
        ThresholdKind::ALL.into_iter().find(|k| {
            k.as_str() == s
                || match k {
                    ThresholdKind::Age => s == "年龄",
                    ThresholdKind::Income => s == "收入",
                    ThresholdKind::Residence => s == "户籍" || s == "居住",
                    ThresholdKind::DisabilityGrade => s == "残疾等级" || s == "disability grade",
                    ThresholdKind::Other => s == "其他",
                }
        })
    }
}

/// An eligibility threshold: which benefit or service, what kind, its value
/// ("health-education subsidy, age, 14").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Threshold {
    pub benefit: String,
    pub kind: ThresholdKind,
    pub value: String,
}

/// A named figure: "one-to-one rehabilitation cost, 4500, yuan/month".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Figure {
    pub name: String,
    pub amount: f64,
    pub unit: String,
}

/// One figure as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FigureInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub unit: String,
}

impl FigureInput {
    fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.amount.trim().is_empty() && self.unit.trim().is_empty()
    }
}

/// A finding as supplied, every field still text: what a form posts, what an import
/// row holds, what the API receives (numbers turned into text).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FindingInput {
    pub narrative: String,
    pub policy_area_id: String,
    pub locality_id: String,
    pub observed_on: String,
    pub people_affected: String,
    pub age_min: String,
    pub age_max: String,
    pub threshold_benefit: String,
    pub threshold_kind: String,
    pub threshold_value: String,
    /// How the policy fails here: a failure-mode id from
    /// [`crate::domain::recurrence::modes::FAILURE_MODES`], or empty for not said.
    #[serde(default)]
    pub failure_mode: String,
    pub figures: Vec<FigureInput>,
    /// Comma- or 、-separated.
    pub tags: String,
    pub case_reference: String,
    pub private_notes: String,
    pub external_id: String,
}

/// A checked finding, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingDraft {
    pub narrative: String,
    pub policy_area_id: i64,
    pub locality_id: i64,
    pub observed_on: NaiveDate,
    pub people_affected: i64,
    pub age_min: Option<i64>,
    pub age_max: Option<i64>,
    pub threshold: Option<Threshold>,
    /// A failure-mode id, as the worker confirmed it.
    pub failure_mode: Option<String>,
    pub figures: Vec<Figure>,
    pub tags: Vec<String>,
    pub case_reference: Option<String>,
    pub private_notes: Option<String>,
    pub external_id: Option<String>,
}

/// A problem with one field: the field's name (`figures.2.unit` for the third
/// figure's unit) and a message key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub key: &'static str,
}

const NARRATIVE_MAX: usize = 20_000;
const SHORT_MAX: usize = 200;
pub const MAX_FIGURES: usize = 20;
pub const MAX_TAGS: usize = 20;

/// Full-width digits and separators (common in Chinese input) as ASCII.
pub fn normalise_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '，' => ',',
            '－' => '-',
            '／' => '/',
            _ => c,
        })
        .collect()
}

/// Reads 2026-11-29, 2026/11/29, 2026.11.29 or 2026年11月29日.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = normalise_digits(raw.trim());
    let s = s.replace(['年', '月'], "-").replace('日', "");
    let s = s.replace(['/', '.'], "-");
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Reads a whole number, allowing thousands separators: 1,200.
pub fn parse_count(raw: &str) -> Option<i64> {
    let s = normalise_digits(raw.trim()).replace([',', ' '], "");
    s.parse::<i64>().ok()
}

/// Reads an amount: 4500, 4,500, 4500.50, ¥4500.
pub fn parse_amount(raw: &str) -> Option<f64> {
    let s = normalise_digits(raw.trim())
        .replace([',', ' ', '¥', '￥'], "")
        .replace("元", "");
    let v = s.parse::<f64>().ok()?;
    v.is_finite().then_some(v)
}

fn optional(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

/// Splits a tag list on commas (Latin or Chinese) and 、; trims, de-duplicates.
pub fn parse_tags(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in raw.split([',', '，', '、', ';', '；']) {
        let t = t.trim().to_string();
        if !t.is_empty() && !out.iter().any(|o| o.to_lowercase() == t.to_lowercase()) {
            out.push(t);
        }
    }
    out
}

/// Checks every field, reporting all problems at once.
pub fn validate(input: &FindingInput, today: NaiveDate) -> Result<FindingDraft, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, key: &'static str| {
        problems.push(FieldProblem {
            field: field.to_string(),
            key,
        })
    };

    let narrative = input.narrative.trim().to_string();
    if narrative.is_empty() {
        problem("narrative", "finding.narrative_empty");
    } else if too_long(&narrative, NARRATIVE_MAX) {
        problem("narrative", "finding.narrative_too_long");
    }

    let policy_area_id = input.policy_area_id.trim().parse::<i64>().ok();
    if policy_area_id.is_none() {
        problem("policy_area_id", "finding.policy_area_unknown");
    }
    let locality_id = input.locality_id.trim().parse::<i64>().ok();
    if locality_id.is_none() {
        problem("locality_id", "finding.locality_unknown");
    }

    let observed_on = match parse_date(&input.observed_on) {
        None => {
            problem("observed_on", "finding.date_invalid");
            None
        }
        Some(d) if d > today => {
            problem("observed_on", "finding.date_future");
            None
        }
        Some(d) if d < NaiveDate::from_ymd_opt(1950, 1, 1).expect("valid date") => {
            problem("observed_on", "finding.date_invalid");
            None
        }
        Some(d) => Some(d),
    };

    let people_affected = match parse_count(&input.people_affected) {
        Some(n) if (1..=10_000_000).contains(&n) => Some(n),
        Some(n) if n < 1 => {
            problem("people_affected", "finding.people_not_positive");
            None
        }
        _ => {
            problem("people_affected", "finding.people_invalid");
            None
        }
    };

    let mut age = |field: &str, raw: &str| -> Option<i64> {
        if raw.trim().is_empty() {
            return None;
        }
        match parse_count(raw) {
            Some(a) if (0..=120).contains(&a) => Some(a),
            _ => {
                problem(field, "finding.age_invalid");
                None
            }
        }
    };
    let mut age_min = age("age_min", &input.age_min);
    let mut age_max = age("age_max", &input.age_max);
    // One age given means a single age.
    match (age_min, age_max) {
        (Some(a), None) => age_max = Some(a),
        (None, Some(b)) => age_min = Some(b),
        (Some(a), Some(b)) if a > b => problem("age_max", "finding.age_order"),
        _ => {}
    }

    let threshold = {
        let benefit = input.threshold_benefit.trim();
        let kind = input.threshold_kind.trim();
        let value = input.threshold_value.trim();
        if benefit.is_empty() && kind.is_empty() && value.is_empty() {
            None
        } else {
            let parsed_kind = ThresholdKind::parse(kind);
            if benefit.is_empty() {
                problem("threshold_benefit", "finding.threshold_incomplete");
            } else if too_long(benefit, SHORT_MAX) {
                problem("threshold_benefit", "finding.text_too_long");
            }
            if parsed_kind.is_none() {
                problem("threshold_kind", "finding.threshold_kind_unknown");
            }
            if value.is_empty() {
                problem("threshold_value", "finding.threshold_incomplete");
            } else if too_long(value, SHORT_MAX) {
                problem("threshold_value", "finding.text_too_long");
            }
            match parsed_kind {
                Some(kind) if !benefit.is_empty() && !value.is_empty() => Some(Threshold {
                    benefit: benefit.to_string(),
                    kind,
                    value: value.to_string(),
                }),
                _ => None,
            }
        }
    };

    let failure_mode = match input.failure_mode.trim() {
        "" => None,
        id if crate::domain::recurrence::modes::index_of(id).is_some() => Some(id.to_string()),
        _ => {
            problem("failure_mode", "finding.failure_mode_unknown");
            None
        }
    };

    let mut figures = Vec::new();
    let given: Vec<(usize, &FigureInput)> = input
        .figures
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_blank())
        .collect();
    if given.len() > MAX_FIGURES {
        problem("figures", "finding.too_many_figures");
    }
    for (i, f) in given.into_iter().take(MAX_FIGURES) {
        let name = f.name.trim();
        let unit = f.unit.trim();
        if name.is_empty() {
            problem(&format!("figures.{i}.name"), "finding.figure_name_empty");
        } else if too_long(name, SHORT_MAX) {
            problem(&format!("figures.{i}.name"), "finding.text_too_long");
        }
        let amount = match parse_amount(&f.amount) {
            Some(a) if a >= 0.0 => Some(a),
            Some(_) => {
                problem(&format!("figures.{i}.amount"), "finding.figure_negative");
                None
            }
            None => {
                problem(
                    &format!("figures.{i}.amount"),
                    "finding.figure_amount_invalid",
                );
                None
            }
        };
        if unit.is_empty() {
            problem(&format!("figures.{i}.unit"), "finding.figure_unit_missing");
        } else if too_long(unit, 50) {
            problem(&format!("figures.{i}.unit"), "finding.text_too_long");
        }
        if let (Some(amount), false, false) = (amount, name.is_empty(), unit.is_empty()) {
            figures.push(Figure {
                name: name.to_string(),
                amount,
                unit: unit.to_string(),
            });
        }
    }

    let tags = parse_tags(&input.tags);
    if tags.len() > MAX_TAGS {
        problem("tags", "finding.too_many_tags");
    }
    if tags.iter().any(|t| too_long(t, 50)) {
        problem("tags", "finding.text_too_long");
    }
    if too_long(&input.case_reference, SHORT_MAX) {
        problem("case_reference", "finding.text_too_long");
    }
    if too_long(&input.private_notes, NARRATIVE_MAX) {
        problem("private_notes", "finding.text_too_long");
    }
    if too_long(&input.external_id, SHORT_MAX) {
        problem("external_id", "finding.text_too_long");
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(FindingDraft {
        narrative,
        policy_area_id: policy_area_id.expect("checked"),
        locality_id: locality_id.expect("checked"),
        observed_on: observed_on.expect("checked"),
        people_affected: people_affected.expect("checked"),
        age_min,
        age_max,
        threshold,
        failure_mode,
        figures,
        tags,
        case_reference: optional(&input.case_reference),
        private_notes: optional(&input.private_notes),
        external_id: optional(&input.external_id),
    })
}

/// Personal data found in one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldHit {
    pub field: String,
    pub hit: PiiHit,
}

/// The fields the personal-data guard reads, with their current text. Private fields
/// (case reference, private notes) are not read: they never leave the organisation.
pub fn guarded_fields(input: &FindingInput) -> Vec<(String, &str)> {
    let mut out: Vec<(String, &str)> = vec![
        ("narrative".into(), input.narrative.as_str()),
        ("threshold_benefit".into(), input.threshold_benefit.as_str()),
        ("threshold_value".into(), input.threshold_value.as_str()),
        ("tags".into(), input.tags.as_str()),
    ];
    for (i, f) in input.figures.iter().enumerate() {
        out.push((format!("figures.{i}.name"), f.name.as_str()));
        out.push((format!("figures.{i}.unit"), f.unit.as_str()));
    }
    out
}

/// Every piece of personal data in the guarded fields.
pub fn personal_data(input: &FindingInput) -> Vec<FieldHit> {
    guarded_fields(input)
        .into_iter()
        .flat_map(|(field, text)| {
            pii::scan(text).into_iter().map(move |hit| FieldHit {
                field: field.clone(),
                hit,
            })
        })
        .collect()
}

fn field_mut<'a>(input: &'a mut FindingInput, field: &str) -> Option<&'a mut String> {
    match field {
        "narrative" => Some(&mut input.narrative),
        "threshold_benefit" => Some(&mut input.threshold_benefit),
        "threshold_value" => Some(&mut input.threshold_value),
        "tags" => Some(&mut input.tags),
        _ => {
            let mut parts = field.split('.');
            let (Some("figures"), Some(i), Some(part), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return None;
            };
            let fig = input.figures.get_mut(i.parse::<usize>().ok()?)?;
            match part {
                "name" => Some(&mut fig.name),
                "unit" => Some(&mut fig.unit),
                _ => None,
            }
        }
    }
}

/// Masks the hit at `start..end` (byte offsets) of `field`, if it is still there.
/// Returns whether anything was masked.
pub fn mask_hit(input: &mut FindingInput, field: &str, start: usize, end: usize) -> bool {
    let Some(text) = field_mut(input, field) else {
        return false;
    };
    match pii::scan(text)
        .into_iter()
        .find(|h| h.start == start && h.end == end)
    {
        Some(hit) => {
            *text = pii::mask(text, &hit);
            true
        }
        None => false,
    }
}

/// Masks every hit in every guarded field.
pub fn mask_everything(input: &mut FindingInput) {
    input.narrative = pii::mask_all(&input.narrative);
    input.threshold_benefit = pii::mask_all(&input.threshold_benefit);
    input.threshold_value = pii::mask_all(&input.threshold_value);
    input.tags = pii::mask_all(&input.tags);
    for f in &mut input.figures {
        f.name = pii::mask_all(&f.name);
        f.unit = pii::mask_all(&f.unit);
    }
}

/// The text the search index holds for a finding: never the private fields.
pub fn searchable_text(draft: &FindingDraft) -> String {
    let mut parts: Vec<&str> = vec![&draft.narrative];
    if let Some(t) = &draft.threshold {
        parts.push(&t.benefit);
        parts.push(&t.value);
    }
    for f in &draft.figures {
        parts.push(&f.name);
    }
    for t in &draft.tags {
        parts.push(t);
    }
    parts.join(" \n")
}

/// Who may do what with findings. Workers see their own organisation's findings;
/// senior workers, coordinators and admins see every organisation's (de-identified);
/// viewers see issues and dashboards only. Private fields: the recording organisation
/// and admins.
pub mod access {
    use super::Role;

    pub fn can_record(role: Role) -> bool {
        role != Role::Viewer
    }

    pub fn can_view_any(role: Role) -> bool {
        role != Role::Viewer
    }

    /// `None`: every organisation; `Some(org)`: only that one.
    pub fn visible_org(role: Role, own_org: i64) -> Option<i64> {
        match role {
            Role::Worker => Some(own_org),
            _ => None,
        }
    }

    pub fn can_view(role: Role, own_org: i64, finding_org: i64) -> bool {
        can_view_any(role) && visible_org(role, own_org).is_none_or(|o| o == finding_org)
    }

    pub fn sees_private(role: Role, own_org: i64, finding_org: i64) -> bool {
        role == Role::Admin || (role != Role::Viewer && own_org == finding_org)
    }

    /// The recorder, a senior worker or coordinator of the same organisation, or an admin.
    pub fn can_edit(
        role: Role,
        user_id: i64,
        own_org: i64,
        recorded_by: i64,
        finding_org: i64,
    ) -> bool {
        match role {
            Role::Admin => true,
            Role::Viewer => false,
            Role::Senior | Role::Coordinator => own_org == finding_org,
            Role::Worker => user_id == recorded_by && own_org == finding_org,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    fn good() -> FindingInput {
        FindingInput {
            narrative: "An autistic boy turned 14 and lost his health-education subsidy.".into(),
            policy_area_id: "1".into(),
            locality_id: "3".into(),
            observed_on: "2026-11-20".into(),
            people_affected: "1".into(),
            age_min: "14".into(),
            threshold_benefit: "health-education subsidy".into(),
            threshold_kind: "age".into(),
            threshold_value: "14".into(),
            figures: vec![
                FigureInput {
                    name: "one-to-one rehabilitation cost".into(),
                    amount: "4,500".into(),
                    unit: "yuan/month".into(),
                },
                FigureInput::default(),
            ],
            tags: "autism, 14岁、 special school".into(),
            ..Default::default()
        }
    }

    fn fields(problems: Vec<FieldProblem>) -> Vec<(String, &'static str)> {
        problems.into_iter().map(|p| (p.field, p.key)).collect()
    }

    #[test]
    fn a_complete_finding_is_accepted() {
        let d = validate(&good(), today()).unwrap();
        assert_eq!(
            d.observed_on,
            NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
        );
        assert_eq!(
            (d.age_min, d.age_max),
            (Some(14), Some(14)),
            "one age is a single age"
        );
        assert_eq!(d.figures.len(), 1, "blank figure rows are ignored");
        assert_eq!(d.figures[0].amount, 4500.0);
        assert_eq!(d.tags, vec!["autism", "14岁", "special school"]);
        assert_eq!(d.threshold.unwrap().kind, ThresholdKind::Age);
    }

    #[test]
    fn bad_input_is_reported_field_by_field() {
        let mut i = good();
        i.narrative = "   ".into();
        i.observed_on = "2026-12-01".into();
        i.people_affected = "-3".into();
        i.figures[0].unit = "".into();
        i.policy_area_id = "".into();
        let p = fields(validate(&i, today()).unwrap_err());
        assert!(p.contains(&("narrative".into(), "finding.narrative_empty")));
        assert!(p.contains(&("observed_on".into(), "finding.date_future")));
        assert!(p.contains(&("people_affected".into(), "finding.people_not_positive")));
        assert!(p.contains(&("figures.0.unit".into(), "finding.figure_unit_missing")));
        assert!(p.contains(&("policy_area_id".into(), "finding.policy_area_unknown")));
    }

    #[test]
    fn dates_in_the_forms_people_write_them() {
        for s in [
            "2026-11-20",
            "2026/11/20",
            "2026.11.20",
            "2026年11月20日",
            "２０２６-１１-２０",
        ] {
            assert_eq!(parse_date(s), NaiveDate::from_ymd_opt(2026, 11, 20), "{s}");
        }
        assert_eq!(parse_date("20/11/2026"), None);
        assert_eq!(parse_date("2026-02-30"), None);
    }

    #[test]
    fn ages_must_be_plausible_and_ordered() {
        let mut i = good();
        i.age_min = "16".into();
        i.age_max = "12".into();
        assert_eq!(
            fields(validate(&i, today()).unwrap_err()),
            vec![("age_max".into(), "finding.age_order")]
        );
        i.age_min = "200".into();
        i.age_max = "".into();
        assert_eq!(
            fields(validate(&i, today()).unwrap_err()),
            vec![("age_min".into(), "finding.age_invalid")]
        );
    }

    #[test]
    fn a_half_filled_threshold_is_refused() {
        let mut i = good();
        i.threshold_value = "".into();
        i.threshold_kind = "colour".into();
        let p = fields(validate(&i, today()).unwrap_err());
        assert!(p.contains(&("threshold_value".into(), "finding.threshold_incomplete")));
        assert!(p.contains(&("threshold_kind".into(), "finding.threshold_kind_unknown")));
        assert_eq!(ThresholdKind::parse("年龄"), Some(ThresholdKind::Age));
    }

    #[test]
    fn figures_need_an_amount_and_a_unit() {
        let mut i = good();
        i.figures = vec![FigureInput {
            name: "allowance".into(),
            amount: "eight hundred".into(),
            unit: "yuan/month".into(),
        }];
        assert_eq!(
            fields(validate(&i, today()).unwrap_err()),
            vec![("figures.0.amount".into(), "finding.figure_amount_invalid")]
        );
        i.figures[0].amount = "-800".into();
        assert_eq!(
            fields(validate(&i, today()).unwrap_err()),
            vec![("figures.0.amount".into(), "finding.figure_negative")]
        );
        assert_eq!(parse_amount("¥2,000元"), Some(2000.0));
    }

    #[test]
    fn the_guard_reads_public_fields_but_not_private_ones() {
        let mut i = good();
        i.narrative = "母亲电话13812345678".into();
        i.figures[0].name = "card 6222021234567890128".into();
        i.case_reference = "11010519491231002X".into();
        i.private_notes = "13812345678".into();
        let hits = personal_data(&i);
        let f: Vec<&str> = hits.iter().map(|h| h.field.as_str()).collect();
        assert_eq!(f, vec!["narrative", "figures.0.name"]);
    }

    #[test]
    fn masking_one_hit_leaves_the_rest() {
        let mut i = good();
        i.narrative = "电话13812345678，卡6222021234567890128".into();
        let hits = personal_data(&i);
        assert_eq!(hits.len(), 2);
        assert!(mask_hit(
            &mut i,
            "narrative",
            hits[0].hit.start,
            hits[0].hit.end
        ));
        assert_eq!(personal_data(&i).len(), 1);
        assert!(
            !mask_hit(&mut i, "narrative", 0, 1),
            "stale offsets mask nothing"
        );
        mask_everything(&mut i);
        assert!(personal_data(&i).is_empty());
    }

    #[test]
    fn private_fields_never_reach_the_search_index() {
        let mut i = good();
        i.case_reference = "CASE-SECRET-7".into();
        i.private_notes = "lives with grandmother".into();
        let text = searchable_text(&validate(&i, today()).unwrap());
        assert!(!text.contains("SECRET") && !text.contains("grandmother"));
        assert!(text.contains("health-education subsidy"));
    }

    #[test]
    fn access_follows_role_and_organisation() {
        use access::*;
        assert!(can_view(Role::Worker, 1, 1));
        assert!(!can_view(Role::Worker, 1, 2));
        assert!(can_view(Role::Senior, 1, 2));
        assert!(!can_view(Role::Viewer, 1, 1));
        assert!(sees_private(Role::Worker, 1, 1));
        assert!(!sees_private(Role::Coordinator, 1, 2));
        assert!(sees_private(Role::Admin, 1, 2));
        assert!(can_edit(Role::Worker, 7, 1, 7, 1));
        assert!(!can_edit(Role::Worker, 7, 1, 8, 1));
        assert!(can_edit(Role::Senior, 7, 1, 8, 1));
        assert!(!can_edit(Role::Senior, 7, 1, 8, 2));
    }
}
