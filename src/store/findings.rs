//! Findings, their taxonomies (policy areas, localities), versions and search.
//!
//! Search SQL is assembled here from fixed fragments (never from user text: every
//! value is bound) so that only the filters in use reach the planner; each database
//! contributes its full-text pieces through [`SearchDialect`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{AuditEvent, StoreResult};
use crate::domain::finding::{Figure, FindingDraft, Threshold, ThresholdKind};
use crate::domain::search_text::QueryTerm;

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct PolicyArea {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub active: bool,
    pub sort_order: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LocalityLevel {
    City,
    District,
    Street,
    Community,
}

impl LocalityLevel {
    pub const ALL: [LocalityLevel; 4] = [
        LocalityLevel::City,
        LocalityLevel::District,
        LocalityLevel::Street,
        LocalityLevel::Community,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            LocalityLevel::City => "city",
            LocalityLevel::District => "district",
            LocalityLevel::Street => "street",
            LocalityLevel::Community => "community",
        }
    }
    pub fn parse(s: &str) -> Option<LocalityLevel> {
        LocalityLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == s.trim())
    }
    pub fn label_key(self) -> &'static str {
        match self {
            LocalityLevel::City => "locality.city",
            LocalityLevel::District => "locality.district",
            LocalityLevel::Street => "locality.street",
            LocalityLevel::Community => "locality.community",
        }
    }
    /// The level a child of this level has.
    pub fn child(self) -> Option<LocalityLevel> {
        match self {
            LocalityLevel::City => Some(LocalityLevel::District),
            LocalityLevel::District => Some(LocalityLevel::Street),
            LocalityLevel::Street => Some(LocalityLevel::Community),
            LocalityLevel::Community => None,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LocalityRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub level: String,
    pub name_zh: String,
    pub name_en: String,
    pub path: String,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Locality {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub level: LocalityLevel,
    pub name_zh: String,
    pub name_en: String,
    /// Ids from the root, `/1/5/23/`.
    pub path: String,
    pub active: bool,
}

impl From<LocalityRow> for Locality {
    fn from(r: LocalityRow) -> Self {
        Locality {
            id: r.id,
            parent_id: r.parent_id,
            level: LocalityLevel::parse(&r.level).unwrap_or(LocalityLevel::Community),
            name_zh: r.name_zh,
            name_en: r.name_en,
            path: r.path,
            active: r.active,
        }
    }
}

/// The columns every finding query selects (alias `f`, joined `o` and `u`).
pub(crate) const FINDING_COLUMNS: &str = "f.id, f.org_id, o.name AS org_name, f.recorded_by, \
     u.name AS recorder_name, f.narrative, f.policy_area_id, f.locality_id, f.locality_path, \
     f.observed_on, f.people_affected, f.age_min, f.age_max, f.threshold_benefit, \
     f.threshold_kind, f.threshold_value, f.failure_mode, f.case_reference, f.private_notes, \
     f.external_id, f.issue_link_count, f.version, f.created_at, f.updated_at, f.deleted_at";

pub(crate) const FINDING_JOINS: &str =
    "JOIN organisations o ON o.id = f.org_id JOIN users u ON u.id = f.recorded_by";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FindingRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub recorded_by: i64,
    pub recorder_name: String,
    pub narrative: String,
    pub policy_area_id: i64,
    pub locality_id: i64,
    pub locality_path: String,
    pub observed_on: NaiveDate,
    pub people_affected: i64,
    pub age_min: Option<i64>,
    pub age_max: Option<i64>,
    pub threshold_benefit: Option<String>,
    pub threshold_kind: Option<String>,
    pub threshold_value: Option<String>,
    pub failure_mode: Option<String>,
    pub case_reference: Option<String>,
    pub private_notes: Option<String>,
    pub external_id: Option<String>,
    pub issue_link_count: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FigureRow {
    pub finding_id: i64,
    pub position: i64,
    pub name: String,
    pub amount: f64,
    pub unit: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TagRow {
    pub finding_id: i64,
    pub tag: String,
}

/// A finding with everything it holds. Private fields are present here; views and
/// exports decide with `domain::finding::access` whether to show them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub recorded_by: i64,
    pub recorder_name: String,
    pub narrative: String,
    pub policy_area_id: i64,
    pub locality_id: i64,
    pub locality_path: String,
    pub observed_on: NaiveDate,
    pub people_affected: i64,
    pub age_min: Option<i64>,
    pub age_max: Option<i64>,
    pub threshold: Option<Threshold>,
    /// How the policy fails, as the worker confirmed it (a failure-mode id).
    #[serde(default)]
    pub failure_mode: Option<String>,
    pub figures: Vec<Figure>,
    pub tags: Vec<String>,
    pub case_reference: Option<String>,
    pub private_notes: Option<String>,
    pub external_id: Option<String>,
    pub issue_link_count: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Relevance in a text search (higher is better); absent otherwise.
    #[serde(skip)]
    pub score: Option<f64>,
}

impl Finding {
    pub fn from_parts(
        row: FindingRow,
        figures: &[FigureRow],
        tags: &[TagRow],
        score: Option<f64>,
    ) -> Finding {
        let threshold = match (
            row.threshold_benefit,
            row.threshold_kind.as_deref().and_then(ThresholdKind::parse),
            row.threshold_value,
        ) {
            (Some(benefit), Some(kind), Some(value)) => Some(Threshold {
                benefit,
                kind,
                value,
            }),
            _ => None,
        };
        let mut figs: Vec<&FigureRow> = figures.iter().filter(|f| f.finding_id == row.id).collect();
        figs.sort_by_key(|f| f.position);
        Finding {
            id: row.id,
            org_id: row.org_id,
            org_name: row.org_name,
            recorded_by: row.recorded_by,
            recorder_name: row.recorder_name,
            narrative: row.narrative,
            policy_area_id: row.policy_area_id,
            locality_id: row.locality_id,
            locality_path: row.locality_path,
            observed_on: row.observed_on,
            people_affected: row.people_affected,
            age_min: row.age_min,
            age_max: row.age_max,
            threshold,
            failure_mode: row
                .failure_mode
                .filter(|m| crate::domain::recurrence::modes::index_of(m).is_some()),
            figures: figs
                .into_iter()
                .map(|f| Figure {
                    name: f.name.clone(),
                    amount: f.amount,
                    unit: f.unit.clone(),
                })
                .collect(),
            tags: tags
                .iter()
                .filter(|t| t.finding_id == row.id)
                .map(|t| t.tag.clone())
                .collect(),
            case_reference: row.case_reference,
            private_notes: row.private_notes,
            external_id: row.external_id,
            issue_link_count: row.issue_link_count,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            deleted_at: row.deleted_at,
            score,
        }
    }
}

impl From<&Finding> for crate::domain::evidence::EvidenceItem {
    fn from(f: &Finding) -> Self {
        crate::domain::evidence::EvidenceItem {
            org_id: f.org_id,
            recorded_by: f.recorded_by,
            locality_path: f.locality_path.clone(),
            observed_on: f.observed_on,
            people_affected: f.people_affected,
            age_min: f.age_min,
            age_max: f.age_max,
            threshold: f.threshold.as_ref().map(|t| {
                (
                    t.benefit.clone(),
                    t.kind.as_str().to_string(),
                    t.value.clone(),
                )
            }),
            figures: f
                .figures
                .iter()
                .map(|g| (g.name.clone(), g.amount, g.unit.clone()))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FindingVersionRow {
    pub version: i64,
    pub edited_by: i64,
    pub editor_name: String,
    pub edited_at: DateTime<Utc>,
    pub changed_fields: String,
    /// The finding as it was before this edit (JSON of [`Finding`]).
    pub snapshot: String,
}

/// A save made although the guard found personal data.
#[derive(Debug, Clone)]
pub struct PiiConfirmation {
    pub reason: String,
    /// JSON list of the hits (field, kind, offsets) that were confirmed.
    pub hits: String,
}

/// An edit of a stored finding: its state before, the version the editor started
/// from, and which fields the edit changes.
pub struct Change<'a> {
    pub before: &'a Finding,
    pub expected_version: i64,
    pub changed_fields: &'a [String],
}

/// Where a finding counts in `finding_counts`: its month, policy area, district (0
/// above district level) and organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountCell {
    pub month: String,
    pub area_id: i64,
    pub district_id: i64,
    pub org_id: i64,
}

impl CountCell {
    pub fn of(observed_on: NaiveDate, area_id: i64, locality_path: &str, org_id: i64) -> Self {
        CountCell {
            month: observed_on.format("%Y-%m").to_string(),
            area_id,
            district_id: crate::domain::evidence::district_of(locality_path).unwrap_or(0),
            org_id,
        }
    }
}

/// Who saves, and when.
#[derive(Debug, Clone)]
pub struct Author {
    pub user_id: i64,
    pub org_id: i64,
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
}

/// An uploaded spreadsheet waiting for its mapping and commit.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportBatch {
    pub id: i64,
    pub org_id: i64,
    pub user_id: i64,
    pub filename: String,
    pub content: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub committed_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
}

/// One row of an import, checked and ready: a new finding, or the next version of one
/// imported before (same external id).
pub struct ImportItem {
    pub draft: FindingDraft,
    pub locality_path: String,
    pub search_terms: String,
    /// `Some` to update this finding (with its version and the fields that change).
    pub existing: Option<(Finding, Vec<String>)>,
    pub confirmation: Option<PiiConfirmation>,
}

/// What an import did with its rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingSort {
    /// Best match first (text searches); newest observed otherwise.
    #[default]
    Relevance,
    /// Newest observation first.
    Newest,
    /// Oldest observation first.
    Oldest,
}

/// Where the previous page ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cursor {
    Date { observed_on: NaiveDate, id: i64 },
    Score { score: f64, id: i64 },
}

/// A search over findings. `visible_org` is the viewer's scope (workers: their own
/// organisation), `org_id` a filter chosen by the viewer.
#[derive(Debug, Clone, Default)]
pub struct FindingQuery {
    pub terms: Vec<QueryTerm>,
    pub policy_area_id: Option<i64>,
    /// The chosen locality's path: it and everything below it.
    pub locality_path: Option<String>,
    pub observed_from: Option<NaiveDate>,
    pub observed_to: Option<NaiveDate>,
    pub org_id: Option<i64>,
    pub visible_org: Option<i64>,
    pub age: Option<i64>,
    pub linked: Option<bool>,
    pub has_threshold: Option<bool>,
    pub sort: FindingSort,
    pub after: Option<Cursor>,
    pub limit: i64,
}

/// A value to bind, in the order the SQL text names them.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Int(i64),
    Text(String),
    Date(NaiveDate),
    Float(f64),
}

/// Binds the values of a built search (`build_search`) to a query, in order.
macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                $crate::store::findings::Bind::Int(v) => q.bind(v),
                $crate::store::findings::Bind::Text(v) => q.bind(v),
                $crate::store::findings::Bind::Date(v) => q.bind(v),
                $crate::store::findings::Bind::Float(v) => q.bind(v),
            };
        }
        q
    }};
}
pub(crate) use bind_all;

/// The parts of full-text search each database does its own way.
pub trait SearchDialect {
    /// The text-search expression for the query terms, bound as one parameter.
    fn match_expression(terms: &[QueryTerm]) -> String;
    /// For the match parameter `$n`: the FROM clause giving `findings f` (joined to the
    /// full-text index where needed) and the matching condition, for the chosen plan.
    fn text_source(param: usize, plan: Plan) -> TextSource;
    /// The column as an expression no index can serve, steering the planner to another
    /// index (SQLite's unary +).
    fn unindexed(column: &str) -> String {
        format!("+{column}")
    }
    /// SQL that is true when `haystack` contains `needle`.
    fn contains(haystack: &str, needle: &str) -> String {
        format!("instr({haystack}, {needle}) > 0")
    }
    /// The order of [`Plan::RecentWalk`]: newest recorded first, as the index keeps it.
    fn recent_order() -> &'static str {
        "f.id DESC"
    }
    /// Spans of days, narrowest first, to which a word search newest first is tried
    /// limited before it is run over all findings; none: run as it is.
    fn recent_windows() -> &'static [i64] {
        &[]
    }
}

/// How a text search with filters is carried out (SQLite needs telling; PostgreSQL's
/// planner decides for itself and always gets `TextFirst`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Few findings match the words: collect them from the full-text index, filter, sort.
    TextFirst,
    /// Few findings pass the filters: take those through their indexes and check each
    /// against the full-text index.
    FiltersFirst,
    /// Many match both: walk findings in date order, checking each until the page is full.
    DateWalk,
    /// Many match both, and any recent matches will do (the relevance pool): stream the
    /// full-text index newest-recorded first, filtering as it goes.
    RecentWalk,
}

/// What a built query selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// Finding rows in date order (with their search terms, for ranking).
    Rows,
    /// Only ids, unordered: for counting how many pass (up to the limit).
    Ids,
}

pub struct TextSource {
    pub from: String,
    pub condition: String,
}

/// Up to this many matching findings, collecting them all is cheap (see [`Plan`]).
pub const FEW: i64 = 8_000;
/// Relevance ranks the newest this-many matches (after filters); beyond that, people
/// page by date (the page says so).
pub const RELEVANCE_POOL: i64 = 200;

impl FindingQuery {
    /// Whether anything but the words narrows the search.
    pub fn has_filters(&self) -> bool {
        self.policy_area_id.is_some()
            || self.locality_path.is_some()
            || self.observed_from.is_some()
            || self.observed_to.is_some()
            || self.org_id.is_some()
            || self.visible_org.is_some()
            || self.age.is_some()
            || self.linked.is_some()
            || self.has_threshold.is_some()
    }
}

/// Builds the search SQL, in observation-date order, and its bound values. The text
/// holds only fixed fragments; every value is bound.
pub fn build_search<D: SearchDialect>(
    q: &FindingQuery,
    plan: Plan,
    select: Select,
    limit: i64,
) -> (String, Vec<Bind>) {
    let mut binds: Vec<Bind> = Vec::new();
    let next = |b: Bind, binds: &mut Vec<Bind>| -> String {
        binds.push(b);
        format!("${}", binds.len())
    };
    let mut conditions: Vec<String> = vec!["f.deleted_at IS NULL".into()];
    let from = if q.terms.is_empty() {
        "findings f".to_string()
    } else if matches!(plan, Plan::FiltersFirst | Plan::DateWalk) {
        // Check each finding reached through another index by its own search terms:
        // reading the row it is on anyway is far cheaper than asking the full-text index
        // once per row. Terms are ASCII letters and digits only (domain::search_text).
        for t in &q.terms {
            let (haystack, needle) = if t.prefix {
                ("' ' || f.search_terms", format!(" {}", t.term))
            } else {
                ("' ' || f.search_terms || ' '", format!(" {} ", t.term))
            };
            let p = next(Bind::Text(needle), &mut binds);
            conditions.push(D::contains(haystack, &p));
        }
        "findings f".to_string()
    } else {
        binds.push(Bind::Text(D::match_expression(&q.terms)));
        let source = D::text_source(binds.len(), plan);
        conditions.push(source.condition);
        source.from
    };
    if let Some(v) = q.policy_area_id {
        conditions.push(format!(
            "f.policy_area_id = {}",
            next(Bind::Int(v), &mut binds)
        ));
    }
    if let Some(path) = &q.locality_path {
        // Paths end in '/'; every path below sorts between "/1/5/" and "/1/50".
        let mut upper = path.clone();
        upper.pop();
        upper.push('0');
        let lo = next(Bind::Text(path.clone()), &mut binds);
        let hi = next(Bind::Text(upper), &mut binds);
        // When walking the date index, keep the planner off the locality index (the
        // unary + makes the column an expression), which would sort a whole district.
        let col = if plan == Plan::DateWalk {
            D::unindexed("f.locality_path")
        } else {
            "f.locality_path".to_string()
        };
        conditions.push(format!("{col} >= {lo} AND {col} < {hi}"));
    }
    // Walking in date order, the range is checked on each row; as an index range it
    // tempts SQLite into a skip-scan of the area index and a sort of the whole range.
    let date_col = if plan == Plan::DateWalk {
        D::unindexed("f.observed_on")
    } else {
        "f.observed_on".to_string()
    };
    if let Some(d) = q.observed_from {
        conditions.push(format!("{date_col} >= {}", next(Bind::Date(d), &mut binds)));
    }
    if let Some(d) = q.observed_to {
        conditions.push(format!("{date_col} <= {}", next(Bind::Date(d), &mut binds)));
    }
    if let Some(o) = q.org_id {
        conditions.push(format!("f.org_id = {}", next(Bind::Int(o), &mut binds)));
    }
    if let Some(o) = q.visible_org {
        conditions.push(format!("f.org_id = {}", next(Bind::Int(o), &mut binds)));
    }
    if let Some(age) = q.age {
        let a = next(Bind::Int(age), &mut binds);
        conditions.push(format!("f.age_min <= {a} AND f.age_max >= {a}"));
    }
    match q.linked {
        Some(true) => conditions.push("f.issue_link_count > 0".into()),
        Some(false) => conditions.push("f.issue_link_count = 0".into()),
        None => {}
    }
    match q.has_threshold {
        Some(true) => conditions.push("f.threshold_kind IS NOT NULL".into()),
        Some(false) => conditions.push("f.threshold_kind IS NULL".into()),
        None => {}
    }
    let ascending = q.sort == FindingSort::Oldest;
    if let Some(Cursor::Date { observed_on, id }) = q.after {
        let d = next(Bind::Date(observed_on), &mut binds);
        let i = next(Bind::Int(id), &mut binds);
        let cmp = if ascending { ">" } else { "<" };
        conditions.push(format!(
            "(f.observed_on {cmp} {d} OR (f.observed_on = {d} AND f.id {cmp} {i}))"
        ));
    }
    // FiltersFirst sorts what the filters' indexes give; the unary + keeps the planner
    // from walking the date index instead.
    let order = match (plan, ascending) {
        (Plan::RecentWalk, _) => D::recent_order().to_string(),
        (Plan::FiltersFirst, true) => format!("{} ASC, f.id ASC", D::unindexed("f.observed_on")),
        (Plan::FiltersFirst, false) => format!("{} DESC, f.id DESC", D::unindexed("f.observed_on")),
        (_, true) => "f.observed_on ASC, f.id ASC".to_string(),
        (_, false) => "f.observed_on DESC, f.id DESC".to_string(),
    };
    let limit = next(Bind::Int(limit), &mut binds);
    let conditions = conditions.join(" AND ");
    let sql = match select {
        Select::Rows => format!(
            "SELECT {FINDING_COLUMNS}, f.search_terms FROM {from} {FINDING_JOINS} WHERE {conditions} ORDER BY {order} LIMIT {limit}"
        ),
        Select::Ids => format!("SELECT f.id FROM {from} WHERE {conditions} LIMIT {limit}"),
    };
    (sql, binds)
}

/// Orders a pool of matches by relevance (computed in Rust, the same on every
/// database), then pages through it with a score cursor.
pub fn rank(
    mut found: Vec<(Finding, String)>,
    terms: &[QueryTerm],
    after: Option<Cursor>,
    limit: usize,
) -> Vec<Finding> {
    let lengths: Vec<usize> = found
        .iter()
        .map(|(_, t)| t.split(' ').filter(|s| !s.is_empty()).count())
        .collect();
    let avg = if lengths.is_empty() {
        1.0
    } else {
        lengths.iter().sum::<usize>() as f64 / lengths.len() as f64
    };
    for (f, t) in &mut found {
        f.score = Some(crate::domain::search_text::relevance(t, terms, avg));
    }
    let mut ranked: Vec<Finding> = found.into_iter().map(|(f, _)| f).collect();
    ranked.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.id.cmp(&a.id))
    });
    if let Some(Cursor::Score { score, id }) = after {
        ranked.retain(|f| {
            let s = f.score.unwrap_or(0.0);
            s < score || (s == score && f.id < id)
        });
    }
    ranked.truncate(limit);
    ranked
}

#[async_trait]
pub trait FindingStore: Send + Sync {
    async fn list_policy_areas(&self) -> StoreResult<Vec<PolicyArea>>;
    async fn create_policy_area(
        &self,
        code: &str,
        name_zh: &str,
        name_en: &str,
        audit: &AuditEvent,
    ) -> StoreResult<PolicyArea>;
    async fn update_policy_area(
        &self,
        id: i64,
        name_zh: &str,
        name_en: &str,
        active: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    async fn list_localities(&self) -> StoreResult<Vec<Locality>>;
    async fn create_locality(
        &self,
        parent_id: Option<i64>,
        level: LocalityLevel,
        name_zh: &str,
        name_en: &str,
        audit: &AuditEvent,
    ) -> StoreResult<Locality>;
    async fn update_locality(
        &self,
        id: i64,
        name_zh: &str,
        name_en: &str,
        active: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    /// Stores a new finding with its figures, tags, search terms and (when given) the
    /// personal-data confirmation, all in one transaction. Returns its id.
    async fn create_finding(
        &self,
        author: &Author,
        draft: &FindingDraft,
        locality_path: &str,
        search_terms: &str,
        confirmation: Option<&PiiConfirmation>,
    ) -> StoreResult<i64>;
    async fn get_finding(&self, id: i64) -> StoreResult<Option<Finding>>;
    /// Replaces a finding's content, keeping the previous state as a version.
    /// `Conflict` when someone else saved since `expected_version`.
    #[allow(clippy::too_many_arguments)]
    async fn update_finding(
        &self,
        id: i64,
        expected_version: i64,
        author: &Author,
        draft: &FindingDraft,
        locality_path: &str,
        search_terms: &str,
        changed_fields: &[String],
        confirmation: Option<&PiiConfirmation>,
    ) -> StoreResult<()>;
    /// Soft deletion, audited; the finding disappears from lists and search.
    async fn delete_finding(&self, id: i64, audit: &AuditEvent) -> StoreResult<()>;
    async fn finding_versions(&self, id: i64) -> StoreResult<Vec<FindingVersionRow>>;
    async fn search_findings(&self, query: &FindingQuery) -> StoreResult<Vec<Finding>> {
        self.search_findings_planned(query, None).await
    }
    /// The same search with the execution plan forced (tests check that every plan
    /// gives the same findings); `None` lets the store choose.
    async fn search_findings_planned(
        &self,
        query: &FindingQuery,
        plan: Option<Plan>,
    ) -> StoreResult<Vec<Finding>>;
    /// The organisation's findings with these external ids (for import previews).
    async fn findings_by_external_ids(
        &self,
        org_id: i64,
        external_ids: &[String],
    ) -> StoreResult<Vec<Finding>>;

    /// Several findings by id (deleted ones included), in one round of queries.
    async fn get_findings(&self, ids: &[i64]) -> StoreResult<Vec<Finding>>;

    async fn create_import_batch(
        &self,
        org_id: i64,
        user_id: i64,
        filename: &str,
        content: &[u8],
        at: DateTime<Utc>,
    ) -> StoreResult<i64>;
    async fn get_import_batch(&self, id: i64) -> StoreResult<Option<ImportBatch>>;
    /// Writes every item in one transaction (all or nothing) and marks the batch
    /// committed. `Conflict` when a row changed or appeared meanwhile, or the batch was
    /// committed already.
    async fn commit_import(
        &self,
        batch_id: Option<i64>,
        author: &Author,
        items: &[ImportItem],
        unchanged: usize,
    ) -> StoreResult<ImportOutcome>;
}

/// Loads figures and tags for a set of finding rows (two queries, not one per row).
macro_rules! complete_findings {
    ($pool:expr, $rows:expr, $scores:expr) => {{
        let rows: Vec<$crate::store::findings::FindingRow> = $rows;
        let scores: Vec<Option<f64>> = $scores;
        if rows.is_empty() {
            Vec::new()
        } else {
            let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
            // Ids are integers from the database itself, so inlining them is safe.
            let list = ids.join(",");
            let figures: Vec<$crate::store::findings::FigureRow> = sqlx::query_as(&format!(
                "SELECT finding_id, position, name, amount, unit FROM finding_figures \
                 WHERE finding_id IN ({list})"
            ))
            // A text new with every list of ids: kept out of the connection's cache of
            // prepared statements, where it would push out the statements every page
            // uses (re-preparing them was a fifth of an issue page's instructions).
            .persistent(false)
            .fetch_all($pool)
            .await?;
            let tags: Vec<$crate::store::findings::TagRow> = sqlx::query_as(&format!(
                "SELECT finding_id, tag FROM finding_tags WHERE finding_id IN ({list}) ORDER BY tag"
            ))
            .persistent(false)
            .fetch_all($pool)
            .await?;
            rows.into_iter()
                .zip(scores)
                .map(|(r, s)| $crate::store::findings::Finding::from_parts(r, &figures, &tags, s))
                .collect::<Vec<_>>()
        }
    }};
}
pub(crate) use complete_findings;

/// Writes a finding's figures and tags (after deleting the old ones).
macro_rules! write_children {
    ($tx:expr, $id:expr, $draft:expr) => {{
        sqlx::query("DELETE FROM finding_figures WHERE finding_id = $1").bind($id).execute(&mut **$tx).await?;
        sqlx::query("DELETE FROM finding_tags WHERE finding_id = $1").bind($id).execute(&mut **$tx).await?;
        for (i, fig) in $draft.figures.iter().enumerate() {
            sqlx::query("INSERT INTO finding_figures (finding_id, position, name, amount, unit) VALUES ($1, $2, $3, $4, $5)")
                .bind($id)
                .bind(i as i64)
                .bind(&fig.name)
                .bind(fig.amount)
                .bind(&fig.unit)
                .execute(&mut **$tx)
                .await?;
        }
        for tag in &$draft.tags {
            sqlx::query("INSERT INTO finding_tags (finding_id, tag) VALUES ($1, $2)")
                .bind($id)
                .bind(tag)
                .execute(&mut **$tx)
                .await?;
        }
    }};
}
pub(crate) use write_children;

/// The finding-writing steps that run inside a caller's transaction (a single save,
/// or a whole import), expanded for each backend.
macro_rules! impl_finding_tx {
    ($store:ty, $db:ty) => {
        impl $store {
            #[allow(clippy::too_many_arguments)]
            pub(crate) async fn insert_finding_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                author: &$crate::store::findings::Author,
                draft: &$crate::domain::finding::FindingDraft,
                locality_path: &str,
                search_terms: &str,
                confirmation: Option<&$crate::store::findings::PiiConfirmation>,
                action: &'static str,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::StoreError;
                let t = draft.threshold.as_ref();
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO findings (org_id, recorded_by, narrative, policy_area_id, locality_id, \
                     locality_path, observed_on, people_affected, age_min, age_max, threshold_benefit, \
                     threshold_kind, threshold_value, case_reference, private_notes, external_id, \
                     search_terms, version, created_at, updated_at, failure_mode) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1, $18, $18, $19) \
                     RETURNING id",
                )
                .bind(author.org_id)
                .bind(author.user_id)
                .bind(&draft.narrative)
                .bind(draft.policy_area_id)
                .bind(draft.locality_id)
                .bind(locality_path)
                .bind(draft.observed_on)
                .bind(draft.people_affected)
                .bind(draft.age_min)
                .bind(draft.age_max)
                .bind(t.map(|t| t.benefit.as_str()))
                .bind(t.map(|t| t.kind.as_str()))
                .bind(t.map(|t| t.value.as_str()))
                .bind(draft.case_reference.as_deref())
                .bind(draft.private_notes.as_deref())
                .bind(draft.external_id.as_deref())
                .bind(search_terms)
                .bind(author.at)
                .bind(draft.failure_mode.as_deref())
                .fetch_one(&mut **tx)
                .await
                .map_err(StoreError::from_write)?;
                $crate::store::findings::write_children!(tx, id, draft);
                Self::index_finding(tx, id, search_terms).await?;
                Self::confirm_tx(tx, id, author, confirmation).await?;
                Self::count_finding(
                    tx,
                    &$crate::store::findings::CountCell::of(draft.observed_on, draft.policy_area_id, locality_path, author.org_id),
                    1,
                )
                .await?;
                let mut audit = $crate::store::AuditEvent::new(action, Some(author.user_id), author.ip.clone())
                    .subject("finding", Some(id));
                audit.at = author.at;
                if let Some(c) = confirmation {
                    audit = audit.detail(format!("personal data confirmed: {}", c.reason));
                }
                $crate::store::accounts::insert_audit!(&mut **tx, audit, Some(id))?;
                Ok(id)
            }

            pub(crate) async fn update_finding_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                author: &$crate::store::findings::Author,
                draft: &$crate::domain::finding::FindingDraft,
                locality_path: &str,
                search_terms: &str,
                change: &$crate::store::findings::Change<'_>,
                confirmation: Option<&$crate::store::findings::PiiConfirmation>,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let id = change.before.id;
                let snapshot = serde_json::to_string(change.before).map_err(|e| StoreError::Database(sqlx::Error::Encode(e.into())))?;
                let t = draft.threshold.as_ref();
                // The version check and the update are one statement: a concurrent save
                // cannot slip in between.
                let done = sqlx::query(
                    "UPDATE findings SET narrative = $1, policy_area_id = $2, locality_id = $3, \
                     locality_path = $4, observed_on = $5, people_affected = $6, age_min = $7, \
                     age_max = $8, threshold_benefit = $9, threshold_kind = $10, threshold_value = $11, \
                     case_reference = $12, private_notes = $13, external_id = $14, search_terms = $15, \
                     version = version + 1, updated_at = $16, failure_mode = $19 \
                     WHERE id = $17 AND version = $18 AND deleted_at IS NULL",
                )
                .bind(&draft.narrative)
                .bind(draft.policy_area_id)
                .bind(draft.locality_id)
                .bind(locality_path)
                .bind(draft.observed_on)
                .bind(draft.people_affected)
                .bind(draft.age_min)
                .bind(draft.age_max)
                .bind(t.map(|t| t.benefit.as_str()))
                .bind(t.map(|t| t.kind.as_str()))
                .bind(t.map(|t| t.value.as_str()))
                .bind(draft.case_reference.as_deref())
                .bind(draft.private_notes.as_deref())
                .bind(draft.external_id.as_deref())
                .bind(search_terms)
                .bind(author.at)
                .bind(id)
                .bind(change.expected_version)
                .bind(draft.failure_mode.as_deref())
                .execute(&mut **tx)
                .await
                .map_err(StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict);
                }
                sqlx::query(
                    "INSERT INTO finding_versions (finding_id, version, edited_by, edited_at, changed_fields, snapshot) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(change.expected_version)
                .bind(author.user_id)
                .bind(author.at)
                .bind(change.changed_fields.join(","))
                .bind(&snapshot)
                .execute(&mut **tx)
                .await
                .map_err(StoreError::from_write)?;
                $crate::store::findings::write_children!(tx, id, draft);
                Self::index_finding(tx, id, search_terms).await?;
                Self::confirm_tx(tx, id, author, confirmation).await?;
                let b = change.before;
                let was = $crate::store::findings::CountCell::of(b.observed_on, b.policy_area_id, &b.locality_path, b.org_id);
                let now = $crate::store::findings::CountCell::of(draft.observed_on, draft.policy_area_id, locality_path, b.org_id);
                if was != now {
                    Self::count_finding(tx, &was, -1).await?;
                    Self::count_finding(tx, &now, 1).await?;
                }
                let mut audit = $crate::store::AuditEvent::new("finding.updated", Some(author.user_id), author.ip.clone())
                    .subject("finding", Some(id))
                    .detail(change.changed_fields.join(", "));
                audit.at = author.at;
                $crate::store::accounts::insert_audit!(&mut **tx, audit, Some(id))?;
                Ok(())
            }

            /// Adds `by` (1 or −1) to the finding counts of `cell`, in the caller's
            /// transaction: the counts are exactly the findings, always.
            pub(crate) async fn count_finding(
                tx: &mut sqlx::Transaction<'_, $db>,
                cell: &$crate::store::findings::CountCell,
                by: i64,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO finding_counts (month, policy_area_id, district_id, org_id, findings) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (month, policy_area_id, district_id, org_id) DO UPDATE SET findings = finding_counts.findings + $5",
                )
                .bind(&cell.month)
                .bind(cell.area_id)
                .bind(cell.district_id)
                .bind(cell.org_id)
                .bind(by)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn confirm_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: i64,
                author: &$crate::store::findings::Author,
                confirmation: Option<&$crate::store::findings::PiiConfirmation>,
            ) -> $crate::store::StoreResult<()> {
                if let Some(c) = confirmation {
                    sqlx::query("INSERT INTO pii_confirmations (finding_id, user_id, at, reason, hits) VALUES ($1, $2, $3, $4, $5)")
                        .bind(id)
                        .bind(author.user_id)
                        .bind(author.at)
                        .bind(&c.reason)
                        .bind(&c.hits)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }
        }
    };
}
pub(crate) use impl_finding_tx;

macro_rules! impl_finding_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::findings::FindingStore for $store {
            async fn list_policy_areas(&self) -> $crate::store::StoreResult<Vec<$crate::store::findings::PolicyArea>> {
                Ok(sqlx::query_as("SELECT id, code, name_zh, name_en, active, sort_order FROM policy_areas ORDER BY sort_order, id")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn create_policy_area(
                &self,
                code: &str,
                name_zh: &str,
                name_en: &str,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<$crate::store::findings::PolicyArea> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let area: $crate::store::findings::PolicyArea = sqlx::query_as(
                    "INSERT INTO policy_areas (code, name_zh, name_en, active, sort_order) \
                     VALUES ($1, $2, $3, TRUE, (SELECT COALESCE(MAX(sort_order), 0) + 10 FROM policy_areas)) \
                     RETURNING id, code, name_zh, name_en, active, sort_order",
                )
                .bind(code)
                .bind(name_zh)
                .bind(name_en)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(area.id))?;
                tx.commit().await?;
                Ok(area)
            }

            async fn update_policy_area(
                &self,
                id: i64,
                name_zh: &str,
                name_en: &str,
                active: bool,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE policy_areas SET name_zh = $1, name_en = $2, active = $3 WHERE id = $4")
                    .bind(name_zh)
                    .bind(name_en)
                    .bind(active)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_localities(&self) -> $crate::store::StoreResult<Vec<$crate::store::findings::Locality>> {
                let rows: Vec<$crate::store::findings::LocalityRow> = sqlx::query_as(
                    "SELECT id, parent_id, level, name_zh, name_en, path, active FROM localities ORDER BY path",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn create_locality(
                &self,
                parent_id: Option<i64>,
                level: $crate::store::findings::LocalityLevel,
                name_zh: &str,
                name_en: &str,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<$crate::store::findings::Locality> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let parent_path = match parent_id {
                    None => String::from("/"),
                    Some(p) => {
                        let found: Option<(String,)> = sqlx::query_as("SELECT path FROM localities WHERE id = $1")
                            .bind(p)
                            .fetch_optional(&mut *tx)
                            .await?;
                        found.ok_or(StoreError::NotFound)?.0
                    }
                };
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO localities (parent_id, level, name_zh, name_en, path, active) \
                     VALUES ($1, $2, $3, $4, '', TRUE) RETURNING id",
                )
                .bind(parent_id)
                .bind(level.as_str())
                .bind(name_zh)
                .bind(name_en)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                let path = format!("{parent_path}{id}/");
                sqlx::query("UPDATE localities SET path = $1 WHERE id = $2").bind(&path).bind(id).execute(&mut *tx).await?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(id))?;
                let row: $crate::store::findings::LocalityRow = sqlx::query_as(
                    "SELECT id, parent_id, level, name_zh, name_en, path, active FROM localities WHERE id = $1",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn update_locality(
                &self,
                id: i64,
                name_zh: &str,
                name_en: &str,
                active: bool,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE localities SET name_zh = $1, name_en = $2, active = $3 WHERE id = $4")
                    .bind(name_zh)
                    .bind(name_en)
                    .bind(active)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_finding(
                &self,
                author: &$crate::store::findings::Author,
                draft: &$crate::domain::finding::FindingDraft,
                locality_path: &str,
                search_terms: &str,
                confirmation: Option<&$crate::store::findings::PiiConfirmation>,
            ) -> $crate::store::StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id = Self::insert_finding_tx(&mut tx, author, draft, locality_path, search_terms, confirmation, "finding.created").await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn get_finding(&self, id: i64) -> $crate::store::StoreResult<Option<$crate::store::findings::Finding>> {
                let row: Option<$crate::store::findings::FindingRow> = sqlx::query_as(&format!(
                    "SELECT {} FROM findings f {} WHERE f.id = $1",
                    $crate::store::findings::FINDING_COLUMNS,
                    $crate::store::findings::FINDING_JOINS
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let mut found = $crate::store::findings::complete_findings!(&self.pool, vec![row], vec![None]);
                Ok(found.pop())
            }

            async fn get_findings(&self, ids: &[i64]) -> $crate::store::StoreResult<Vec<$crate::store::findings::Finding>> {
                let mut rows: Vec<$crate::store::findings::FindingRow> = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    // Ids are integers: inlining them is safe and keeps under parameter limits.
                    let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
                    rows.extend(
                        sqlx::query_as::<_, $crate::store::findings::FindingRow>(&format!(
                            "SELECT {} FROM findings f {} WHERE f.id IN ({list})",
                            $crate::store::findings::FINDING_COLUMNS,
                            $crate::store::findings::FINDING_JOINS
                        ))
                        .persistent(false)
                        .fetch_all(&self.pool)
                        .await?,
                    );
                }
                let mut found = Vec::with_capacity(rows.len());
                for chunk in rows.chunks(500) {
                    let scores = vec![None; chunk.len()];
                    found.extend($crate::store::findings::complete_findings!(&self.pool, chunk.to_vec(), scores));
                }
                Ok(found)
            }

            async fn update_finding(
                &self,
                id: i64,
                expected_version: i64,
                author: &$crate::store::findings::Author,
                draft: &$crate::domain::finding::FindingDraft,
                locality_path: &str,
                search_terms: &str,
                changed_fields: &[String],
                confirmation: Option<&$crate::store::findings::PiiConfirmation>,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let before = self.get_finding(id).await?.ok_or(StoreError::NotFound)?;
                if before.deleted_at.is_some() {
                    return Err(StoreError::NotFound);
                }
                let mut tx = self.begin_write().await?;
                let change = $crate::store::findings::Change { before: &before, expected_version, changed_fields };
                Self::update_finding_tx(&mut tx, author, draft, locality_path, search_terms, &change, confirmation).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_finding(&self, id: i64, audit: &$crate::store::AuditEvent) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE findings SET deleted_at = $1, deleted_by = $2 WHERE id = $3 AND deleted_at IS NULL")
                    .bind(audit.at)
                    .bind(audit.actor_user_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                let (observed_on, area_id, path, org_id): (chrono::NaiveDate, i64, String, i64) = sqlx::query_as(
                    "SELECT observed_on, policy_area_id, locality_path, org_id FROM findings WHERE id = $1",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                Self::count_finding(
                    &mut tx,
                    &$crate::store::findings::CountCell::of(observed_on, area_id, &path, org_id),
                    -1,
                )
                .await?;
                Self::unindex_finding(&mut tx, id).await?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn finding_versions(&self, id: i64) -> $crate::store::StoreResult<Vec<$crate::store::findings::FindingVersionRow>> {
                Ok(sqlx::query_as(
                    "SELECT v.version, v.edited_by, u.name AS editor_name, v.edited_at, v.changed_fields, v.snapshot \
                     FROM finding_versions v JOIN users u ON u.id = v.edited_by \
                     WHERE v.finding_id = $1 ORDER BY v.version DESC",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn search_findings_planned(
                &self,
                query: &$crate::store::findings::FindingQuery,
                forced: Option<$crate::store::findings::Plan>,
            ) -> $crate::store::StoreResult<Vec<$crate::store::findings::Finding>> {
                use $crate::store::findings::{FindingSort, Select, RELEVANCE_POOL};
                use sqlx::Row;
                let text = !query.terms.is_empty();
                let by_score = text && query.sort == FindingSort::Relevance;
                let plan = match forced {
                    Some(p) => p,
                    None => self.choose_plan(query, by_score).await?,
                };
                let (base, wanted) = if by_score {
                    // The pool to rank: the newest matches, in date order, no cursor.
                    (
                        $crate::store::findings::FindingQuery { sort: FindingSort::Newest, after: None, ..query.clone() },
                        RELEVANCE_POOL,
                    )
                } else {
                    (query.clone(), query.limit.clamp(1, 500) + 1)
                };
                let run = |q: $crate::store::findings::FindingQuery| async move {
                    let (sql, binds) = $crate::store::findings::build_search::<Self>(&q, plan, Select::Rows, wanted);
                    let mut q = sqlx::query(&sql);
                    q = $crate::store::findings::bind_all!(q, binds);
                    let started = std::time::Instant::now();
                    let raw = q.fetch_all(&self.pool).await?;
                    tracing::debug!(?plan, rows = raw.len(), ms = started.elapsed().as_millis() as u64, sql = %sql, "search query");
                    Ok::<_, sqlx::Error>(raw)
                };
                // Newest first, the matches among recent findings are often enough: tried
                // within the last days first, widening (see `recent_windows`). Exact: when
                // a window holds `wanted` rows, every match outside it is older than all.
                let mut raw = None;
                let windows = <Self as $crate::store::findings::SearchDialect>::recent_windows();
                if text && base.sort == FindingSort::Newest && !windows.is_empty() {
                    let (newest,): (Option<chrono::NaiveDate>,) =
                        sqlx::query_as("SELECT MAX(observed_on) FROM findings WHERE deleted_at IS NULL")
                            .fetch_one(&self.pool)
                            .await?;
                    if let Some(newest) = newest {
                        for days in windows {
                            let from = newest - chrono::Duration::days(*days);
                            if base.observed_from.is_some_and(|d| d >= from) {
                                continue;
                            }
                            let rows = run($crate::store::findings::FindingQuery { observed_from: Some(from), ..base.clone() }).await?;
                            if rows.len() as i64 >= wanted {
                                raw = Some(rows);
                                break;
                            }
                        }
                    }
                }
                let raw = match raw {
                    Some(rows) => rows,
                    None => run(base.clone()).await?,
                };
                let mut rows = Vec::with_capacity(raw.len());
                let mut terms = Vec::with_capacity(raw.len());
                for r in &raw {
                    rows.push(<$crate::store::findings::FindingRow as sqlx::FromRow<_>>::from_row(r)?);
                    terms.push(r.try_get::<String, _>("search_terms")?);
                }
                if !by_score {
                    let scores = vec![None; rows.len()];
                    return Ok($crate::store::findings::complete_findings!(&self.pool, rows, scores));
                }
                // Rank the pool first, then load figures and tags for one page only.
                let mut by_id: std::collections::HashMap<i64, $crate::store::findings::FindingRow> =
                    rows.iter().map(|r| (r.id, r.clone())).collect();
                let lite: Vec<($crate::store::findings::Finding, String)> = rows
                    .into_iter()
                    .zip(terms)
                    .map(|(r, t)| ($crate::store::findings::Finding::from_parts(r, &[], &[], None), t))
                    .collect();
                let page = $crate::store::findings::rank(lite, &query.terms, query.after, query.limit.clamp(1, 500) as usize + 1);
                let scores: Vec<Option<f64>> = page.iter().map(|f| f.score).collect();
                let page_rows: Vec<$crate::store::findings::FindingRow> = page.iter().filter_map(|f| by_id.remove(&f.id)).collect();
                Ok($crate::store::findings::complete_findings!(&self.pool, page_rows, scores))
            }

            async fn findings_by_external_ids(
                &self,
                org_id: i64,
                external_ids: &[String],
            ) -> $crate::store::StoreResult<Vec<$crate::store::findings::Finding>> {
                let mut rows: Vec<$crate::store::findings::FindingRow> = Vec::new();
                // In chunks, to stay under every database's parameter limit.
                for chunk in external_ids.chunks(500) {
                    let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                    let sql = format!(
                        "SELECT {} FROM findings f {} WHERE f.org_id = $1 AND f.deleted_at IS NULL AND f.external_id IN ({})",
                        $crate::store::findings::FINDING_COLUMNS,
                        $crate::store::findings::FINDING_JOINS,
                        placeholders.join(",")
                    );
                    let mut q = sqlx::query_as(&sql).bind(org_id);
                    for e in chunk {
                        q = q.bind(e);
                    }
                    rows.extend(q.fetch_all(&self.pool).await?);
                }
                let scores = vec![None; rows.len()];
                Ok($crate::store::findings::complete_findings!(&self.pool, rows, scores))
            }

            async fn create_import_batch(
                &self,
                org_id: i64,
                user_id: i64,
                filename: &str,
                content: &[u8],
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                // Uploads nobody committed within a day are dropped as new ones arrive.
                sqlx::query("DELETE FROM import_batches WHERE committed_at IS NULL AND created_at < $1")
                    .bind(at - chrono::Duration::days(1))
                    .execute(&mut *tx)
                    .await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO import_batches (org_id, user_id, filename, content, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(org_id)
                .bind(user_id)
                .bind(filename)
                .bind(content)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn get_import_batch(&self, id: i64) -> $crate::store::StoreResult<Option<$crate::store::findings::ImportBatch>> {
                Ok(sqlx::query_as(
                    "SELECT id, org_id, user_id, filename, content, created_at, committed_at, outcome FROM import_batches WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn commit_import(
                &self,
                batch_id: Option<i64>,
                author: &$crate::store::findings::Author,
                items: &[$crate::store::findings::ImportItem],
                unchanged: usize,
            ) -> $crate::store::StoreResult<$crate::store::findings::ImportOutcome> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                if let Some(batch) = batch_id {
                    // Claim the batch first: a second commit of the same upload finds it taken.
                    let claimed = sqlx::query("UPDATE import_batches SET committed_at = $1 WHERE id = $2 AND committed_at IS NULL")
                        .bind(author.at)
                        .bind(batch)
                        .execute(&mut *tx)
                        .await?;
                    if claimed.rows_affected() == 0 {
                        return Err(StoreError::Conflict);
                    }
                }
                let mut outcome = $crate::store::findings::ImportOutcome { unchanged, ..Default::default() };
                for item in items {
                    match &item.existing {
                        None => {
                            Self::insert_finding_tx(&mut tx, author, &item.draft, &item.locality_path, &item.search_terms, item.confirmation.as_ref(), "finding.imported").await?;
                            outcome.created += 1;
                        }
                        Some((before, changed)) => {
                            let change = $crate::store::findings::Change { before, expected_version: before.version, changed_fields: changed };
                            Self::update_finding_tx(&mut tx, author, &item.draft, &item.locality_path, &item.search_terms, &change, item.confirmation.as_ref()).await?;
                            outcome.updated += 1;
                        }
                    }
                }
                if let Some(batch) = batch_id {
                    sqlx::query("UPDATE import_batches SET outcome = $1, content = $2 WHERE id = $3")
                        .bind(serde_json::to_string(&outcome).unwrap_or_default())
                        // The file itself is not kept once imported.
                        .bind(Vec::<u8>::new())
                        .bind(batch)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(outcome)
            }
        }
    };
}
pub(crate) use impl_finding_store;

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake;
    impl SearchDialect for Fake {
        fn match_expression(terms: &[QueryTerm]) -> String {
            terms
                .iter()
                .map(|t| t.term.clone())
                .collect::<Vec<_>>()
                .join(" ")
        }
        fn text_source(param: usize, _plan: Plan) -> TextSource {
            TextSource {
                from: "fts JOIN findings f ON f.id = fts.rowid".into(),
                condition: format!("fts MATCH ${param}"),
            }
        }
    }

    #[test]
    fn only_the_filters_in_use_reach_the_sql_and_values_are_bound() {
        let q = FindingQuery {
            policy_area_id: Some(3),
            locality_path: Some("/1/5/".into()),
            limit: 20,
            ..Default::default()
        };
        let (sql, binds) = build_search::<Fake>(&q, Plan::TextFirst, Select::Rows, 21);
        assert!(sql.contains("f.policy_area_id = $1"));
        assert!(sql.contains("f.locality_path >= $2 AND f.locality_path < $3"));
        assert!(!sql.contains("observed_on >="));
        assert_eq!(
            binds,
            vec![
                Bind::Int(3),
                Bind::Text("/1/5/".into()),
                Bind::Text("/1/50".into()),
                Bind::Int(21)
            ]
        );
        let (walk, _) = build_search::<Fake>(&q, Plan::DateWalk, Select::Rows, 21);
        assert!(walk.contains("+f.locality_path >= $2"), "{walk}");
        let (ids, _) = build_search::<Fake>(&q, Plan::FiltersFirst, Select::Ids, 100);
        assert!(
            ids.starts_with("SELECT f.id FROM findings f WHERE") && !ids.contains("ORDER BY"),
            "{ids}"
        );
    }

    #[test]
    fn user_text_is_bound_never_spliced() {
        let q = FindingQuery {
            terms: crate::domain::search_text::query_terms("补贴'; DROP TABLE findings; --"),
            after: Some(Cursor::Date {
                observed_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
                id: 9,
            }),
            limit: 10,
            ..Default::default()
        };
        let (sql, binds) = build_search::<Fake>(&q, Plan::TextFirst, Select::Rows, 11);
        assert!(!sql.contains("DROP"), "{sql}");
        assert!(sql.contains("ORDER BY f.observed_on DESC, f.id DESC"));
        assert!(sql.contains("f.observed_on < $2"));
        assert_eq!(binds[2], Bind::Int(9));
    }
}
