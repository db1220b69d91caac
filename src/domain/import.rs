//! Reading casework spreadsheets: CSV (UTF-8, or GBK/GB18030 as Excel in China saves
//! it) and XLSX into a table of text; matching columns to finding fields; turning each
//! row into a [`FindingInput`] with its problems listed by row and column.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::finding::{FigureInput, FindingInput};

/// The most data rows one import takes.
pub const MAX_ROWS: usize = 20_000;
/// The largest file accepted.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// `utf-8`, `gb18030` (covers GBK) or `xlsx`.
    pub encoding: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is too large")]
    TooLarge,
    #[error("too many rows")]
    TooManyRows,
    #[error("the file could not be read as CSV or XLSX")]
    Unreadable,
    #[error("the file is not text in UTF-8 or GBK")]
    Encoding,
    #[error("a cell holds a NUL character")]
    Nul,
}

impl ReadError {
    pub fn message_key(self) -> &'static str {
        match self {
            ReadError::Empty => "import.empty",
            ReadError::TooLarge => "import.too_large",
            ReadError::TooManyRows => "import.too_many_rows",
            ReadError::Unreadable => "import.unreadable",
            ReadError::Encoding => "import.encoding",
            ReadError::Nul => "import.nul",
        }
    }
}

/// Decodes CSV bytes: UTF-8 (with or without a byte-order mark), else GB18030 (a
/// superset of GBK). Refuses text that is neither.
pub fn decode_text(bytes: &[u8]) -> Result<(String, &'static str), ReadError> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), "utf-8"));
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(ReadError::Encoding);
    }
    Ok((text.into_owned(), "gb18030"))
}

fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|dt| dt.date().to_string())
            .unwrap_or_else(|| d.to_string()),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(_) => String::new(),
    }
}

fn finish(mut rows: Vec<Vec<String>>, encoding: &str) -> Result<Table, ReadError> {
    // Drop wholly empty rows (spreadsheets often end with some).
    rows.retain(|r| r.iter().any(|c| !c.trim().is_empty()));
    if rows.is_empty() {
        return Err(ReadError::Empty);
    }
    // A NUL character cannot be stored as text (PostgreSQL refuses it): say so, for
    // the whole file, rather than fail on save.
    if rows.iter().flatten().any(|c| c.contains('\0')) {
        return Err(ReadError::Nul);
    }
    let headers: Vec<String> = rows
        .remove(0)
        .into_iter()
        .map(|h| h.trim().to_string())
        .collect();
    if rows.len() > MAX_ROWS {
        return Err(ReadError::TooManyRows);
    }
    let width = headers.len();
    for r in &mut rows {
        r.resize(width.max(r.len()), String::new());
    }
    Ok(Table {
        headers,
        rows,
        encoding: encoding.to_string(),
    })
}

/// Reads a CSV or XLSX file (told apart by content, not by name). The first row holds
/// the column names.
pub fn read_table(bytes: &[u8]) -> Result<Table, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(ReadError::TooLarge);
    }
    if is_xlsx(bytes) {
        use calamine::Reader;
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
            .map_err(|_| ReadError::Unreadable)?;
        let range = book
            .worksheet_range_at(0)
            .ok_or(ReadError::Empty)?
            .map_err(|_| ReadError::Unreadable)?;
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(cell_text).collect())
            .collect();
        return finish(rows, "xlsx");
    }
    let (text, encoding) = decode_text(bytes)?;
    // Semicolon- and tab-separated exports exist too: pick the delimiter the header uses most.
    let first = text.lines().next().unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.matches(*d as char).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|_| ReadError::Unreadable)?;
        rows.push(record.iter().map(str::to_string).collect());
        if rows.len() > MAX_ROWS + 1 {
            return Err(ReadError::TooManyRows);
        }
    }
    finish(rows, encoding)
}

/// What a column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    ExternalId,
    Narrative,
    PolicyArea,
    Locality,
    ObservedOn,
    PeopleAffected,
    AgeMin,
    AgeMax,
    ThresholdBenefit,
    ThresholdKind,
    ThresholdValue,
    Figure1Name,
    Figure1Amount,
    Figure1Unit,
    Figure2Name,
    Figure2Amount,
    Figure2Unit,
    Tags,
    CaseReference,
    PrivateNotes,
}

impl Target {
    pub const ALL: [Target; 20] = [
        Target::ExternalId,
        Target::Narrative,
        Target::PolicyArea,
        Target::Locality,
        Target::ObservedOn,
        Target::PeopleAffected,
        Target::AgeMin,
        Target::AgeMax,
        Target::ThresholdBenefit,
        Target::ThresholdKind,
        Target::ThresholdValue,
        Target::Figure1Name,
        Target::Figure1Amount,
        Target::Figure1Unit,
        Target::Figure2Name,
        Target::Figure2Amount,
        Target::Figure2Unit,
        Target::Tags,
        Target::CaseReference,
        Target::PrivateNotes,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::ExternalId => "external_id",
            Target::Narrative => "narrative",
            Target::PolicyArea => "policy_area",
            Target::Locality => "locality",
            Target::ObservedOn => "observed_on",
            Target::PeopleAffected => "people_affected",
            Target::AgeMin => "age_min",
            Target::AgeMax => "age_max",
            Target::ThresholdBenefit => "threshold_benefit",
            Target::ThresholdKind => "threshold_kind",
            Target::ThresholdValue => "threshold_value",
            Target::Figure1Name => "figure1_name",
            Target::Figure1Amount => "figure1_amount",
            Target::Figure1Unit => "figure1_unit",
            Target::Figure2Name => "figure2_name",
            Target::Figure2Amount => "figure2_amount",
            Target::Figure2Unit => "figure2_unit",
            Target::Tags => "tags",
            Target::CaseReference => "case_reference",
            Target::PrivateNotes => "private_notes",
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Target::ExternalId => "import.target_external_id",
            Target::Narrative => "finding.narrative",
            Target::PolicyArea => "finding.policy_area",
            Target::Locality => "finding.locality",
            Target::ObservedOn => "finding.observed_on",
            Target::PeopleAffected => "finding.people_affected",
            Target::AgeMin => "finding.age_min",
            Target::AgeMax => "finding.age_max",
            Target::ThresholdBenefit => "finding.threshold_benefit",
            Target::ThresholdKind => "finding.threshold_kind",
            Target::ThresholdValue => "finding.threshold_value",
            Target::Figure1Name => "import.target_figure1_name",
            Target::Figure1Amount => "import.target_figure1_amount",
            Target::Figure1Unit => "import.target_figure1_unit",
            Target::Figure2Name => "import.target_figure2_name",
            Target::Figure2Amount => "import.target_figure2_amount",
            Target::Figure2Unit => "import.target_figure2_unit",
            Target::Tags => "finding.tags",
            Target::CaseReference => "finding.case_reference",
            Target::PrivateNotes => "finding.private_notes",
        }
    }

    /// Header words that suggest this column, in Chinese and English (lower case).
    fn hints(self) -> &'static [&'static str] {
        match self {
            Target::ExternalId => &["external_id", "id", "编号", "序号", "记录编号", "row id"],
            Target::Narrative => &[
                "narrative",
                "description",
                "情况描述",
                "描述",
                "情况",
                "发现",
                "finding",
            ],
            Target::PolicyArea => &["policy area", "policy_area", "area", "政策领域", "领域"],
            Target::Locality => &["locality", "place", "community", "地点", "社区", "地区"],
            Target::ObservedOn => &["observed_on", "date observed", "date", "日期", "发现日期"],
            Target::PeopleAffected => &[
                "people_affected",
                "people affected",
                "people",
                "人数",
                "涉及人数",
            ],
            Target::AgeMin => &["age_min", "age", "age from", "年龄", "年龄自"],
            Target::AgeMax => &["age_max", "age to", "年龄至"],
            Target::ThresholdBenefit => {
                &["threshold_benefit", "benefit", "补贴", "补贴或服务", "服务"]
            }
            Target::ThresholdKind => &["threshold_kind", "threshold kind", "门槛类型"],
            Target::ThresholdValue => &[
                "threshold_value",
                "threshold value",
                "threshold",
                "门槛值",
                "门槛",
            ],
            Target::Figure1Name => &["figure1_name", "figure 1", "cost item", "项目1", "费用项目"],
            Target::Figure1Amount => &["figure1_amount", "amount 1", "amount", "金额1", "金额"],
            Target::Figure1Unit => &["figure1_unit", "unit 1", "unit", "单位1", "单位"],
            Target::Figure2Name => &["figure2_name", "figure 2", "项目2"],
            Target::Figure2Amount => &["figure2_amount", "amount 2", "金额2"],
            Target::Figure2Unit => &["figure2_unit", "unit 2", "单位2"],
            Target::Tags => &["tags", "标签"],
            Target::CaseReference => &[
                "case_reference",
                "case reference",
                "case ref",
                "个案编号",
                "内部编号",
            ],
            Target::PrivateNotes => &[
                "private_notes",
                "private notes",
                "notes",
                "备注",
                "内部备注",
            ],
        }
    }
}

/// Which column (by index) holds each field.
pub type Mapping = HashMap<Target, usize>;

/// A first guess at the mapping from the column names: exact matches first, then
/// the first unclaimed column whose name contains a hint.
pub fn guess_mapping(headers: &[String]) -> Mapping {
    let lower: Vec<String> = headers.iter().map(|h| h.trim().to_lowercase()).collect();
    let mut mapping = Mapping::new();
    let mut taken = vec![false; headers.len()];
    for exact in [true, false] {
        for target in Target::ALL {
            if mapping.contains_key(&target) {
                continue;
            }
            let found = lower.iter().enumerate().find(|(i, h)| {
                !taken[*i]
                    && target.hints().iter().any(|hint| {
                        if exact {
                            *h == hint
                        } else {
                            hint.chars().count() > 2 && h.contains(hint)
                        }
                    })
            });
            if let Some((i, _)) = found {
                mapping.insert(target, i);
                taken[i] = true;
            }
        }
    }
    mapping
}

/// Ids with the names a spreadsheet may use for them.
pub type NameTable = Vec<(i64, Vec<String>)>;

/// How to read the policy-area and locality cells, and what to use where a row (or the
/// whole file) has none.
pub struct Lookups<'a> {
    /// (id, names it answers to: code, Chinese and English names).
    pub areas: &'a [(i64, Vec<String>)],
    /// (id, names it answers to: its names and its full trail "宁波市/慈溪市/…").
    pub localities: &'a [(i64, Vec<String>)],
    pub default_area: Option<i64>,
    pub default_locality: Option<i64>,
}

fn lookup(table: &[(i64, Vec<String>)], cell: &str) -> Result<Option<i64>, ()> {
    let key = cell
        .trim()
        .to_lowercase()
        .replace(['／', '>', '›', '\\'], "/");
    let key: String = key.split('/').map(str::trim).collect::<Vec<_>>().join("/");
    if key.is_empty() {
        return Ok(None);
    }
    let matches: Vec<i64> = table
        .iter()
        .filter(|(_, names)| names.iter().any(|n| n.to_lowercase() == key))
        .map(|(id, _)| *id)
        .collect();
    match matches.as_slice() {
        [one] => Ok(Some(*one)),
        _ => Err(()),
    }
}

/// A problem in one cell: row number as the spreadsheet shows it (header = 1), the
/// column's name, a message key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CellProblem {
    pub row: usize,
    pub column: String,
    pub key: String,
}

/// A stable external id for a row that has none: a hash of its cells, so the same row
/// imported twice is recognised.
pub fn row_fingerprint(row: &[String]) -> String {
    let mut h = Sha256::new();
    for c in row {
        h.update(c.trim().as_bytes());
        h.update([0x1f]);
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("row-{hex}")
}

/// Turns one data row (`index` 0 = the first row under the header) into input. Cells
/// that cannot be resolved (an unknown area or place) are reported; everything else is
/// left to `finding::validate`.
pub fn row_input(
    table: &Table,
    index: usize,
    mapping: &Mapping,
    lookups: &Lookups<'_>,
) -> (FindingInput, Vec<CellProblem>) {
    let row = &table.rows[index];
    let cell = |t: Target| -> String {
        mapping
            .get(&t)
            .and_then(|i| row.get(*i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let column = |t: Target| -> String {
        mapping
            .get(&t)
            .and_then(|i| table.headers.get(*i))
            .cloned()
            .unwrap_or_else(|| t.as_str().to_string())
    };
    let mut problems = Vec::new();
    let row_no = index + 2;

    let resolve = |t: Target,
                   table_: &[(i64, Vec<String>)],
                   default: Option<i64>,
                   key: &str,
                   problems: &mut Vec<CellProblem>|
     -> String {
        match lookup(table_, &cell(t)) {
            Ok(Some(id)) => id.to_string(),
            Ok(None) => default.map(|d| d.to_string()).unwrap_or_default(),
            Err(()) => {
                problems.push(CellProblem {
                    row: row_no,
                    column: column(t),
                    key: key.to_string(),
                });
                String::new()
            }
        }
    };
    let policy_area_id = resolve(
        Target::PolicyArea,
        lookups.areas,
        lookups.default_area,
        "import.area_unknown",
        &mut problems,
    );
    let locality_id = resolve(
        Target::Locality,
        lookups.localities,
        lookups.default_locality,
        "import.locality_unknown",
        &mut problems,
    );

    let mut figures = Vec::new();
    for (n, a, u) in [
        (
            Target::Figure1Name,
            Target::Figure1Amount,
            Target::Figure1Unit,
        ),
        (
            Target::Figure2Name,
            Target::Figure2Amount,
            Target::Figure2Unit,
        ),
    ] {
        // Without a column naming the figure, the amount column's header names it
        // ("康复补贴" over a column of amounts).
        let name = match (mapping.contains_key(&n), mapping.get(&a)) {
            (false, Some(col)) if !cell(a).is_empty() => {
                table.headers.get(*col).cloned().unwrap_or_default()
            }
            _ => cell(n),
        };
        figures.push(FigureInput {
            name,
            amount: cell(a),
            unit: cell(u),
        });
    }
    let external_id = match cell(Target::ExternalId) {
        s if s.is_empty() => row_fingerprint(row),
        s => s,
    };
    let input = FindingInput {
        narrative: cell(Target::Narrative),
        policy_area_id,
        locality_id,
        observed_on: cell(Target::ObservedOn),
        people_affected: match cell(Target::PeopleAffected) {
            s if s.is_empty() => "1".to_string(),
            s => s,
        },
        age_min: cell(Target::AgeMin),
        age_max: cell(Target::AgeMax),
        threshold_benefit: cell(Target::ThresholdBenefit),
        threshold_kind: cell(Target::ThresholdKind),
        threshold_value: cell(Target::ThresholdValue),
        // Spreadsheets carry no failure mode: the worker confirms it on the finding.
        failure_mode: String::new(),
        figures,
        tags: cell(Target::Tags),
        case_reference: cell(Target::CaseReference),
        private_notes: cell(Target::PrivateNotes),
        external_id,
    };
    (input, problems)
}

/// The spreadsheet column a finding field's problem belongs to.
pub fn column_for_field(field: &str, table: &Table, mapping: &Mapping) -> String {
    let target = match field {
        "narrative" => Some(Target::Narrative),
        "policy_area_id" => Some(Target::PolicyArea),
        "locality_id" => Some(Target::Locality),
        "observed_on" => Some(Target::ObservedOn),
        "people_affected" => Some(Target::PeopleAffected),
        "age_min" => Some(Target::AgeMin),
        "age_max" => Some(Target::AgeMax),
        "threshold_benefit" => Some(Target::ThresholdBenefit),
        "threshold_kind" => Some(Target::ThresholdKind),
        "threshold_value" => Some(Target::ThresholdValue),
        "tags" => Some(Target::Tags),
        "case_reference" => Some(Target::CaseReference),
        "private_notes" => Some(Target::PrivateNotes),
        "external_id" => Some(Target::ExternalId),
        "figures.0.name" => Some(Target::Figure1Name),
        "figures.0.amount" => Some(Target::Figure1Amount),
        "figures.0.unit" => Some(Target::Figure1Unit),
        "figures.1.name" => Some(Target::Figure2Name),
        "figures.1.amount" => Some(Target::Figure2Amount),
        "figures.1.unit" => Some(Target::Figure2Unit),
        _ => None,
    };
    target
        .and_then(|t| {
            mapping
                .get(&t)
                .and_then(|i| table.headers.get(*i))
                .cloned()
                .or(Some(t.as_str().to_string()))
        })
        .unwrap_or_else(|| field.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "编号,情况描述,政策领域,社区,发现日期,人数,金额,单位\n\
        A1,满14岁后失去补贴,disability,清水湾社区,2026/11/20,2,800,元/月\n\
        A2,\"Subsidy stops at 14, school too\",残疾与康复,宁波市/慈溪市,2026-11-21,1,,\n\
        ,,,,,,,\n";

    fn lookups<'a>(areas: &'a [(i64, Vec<String>)], locs: &'a [(i64, Vec<String>)]) -> Lookups<'a> {
        Lookups {
            areas,
            localities: locs,
            default_area: None,
            default_locality: None,
        }
    }

    #[test]
    fn csv_in_utf8_is_read_with_its_header() {
        let t = read_table(CSV.as_bytes()).unwrap();
        assert_eq!(t.headers[1], "情况描述");
        assert_eq!(t.rows.len(), 2, "blank rows are dropped");
        assert_eq!(t.rows[1][1], "Subsidy stops at 14, school too");
        assert_eq!(t.encoding, "utf-8");
    }

    #[test]
    fn gbk_csv_is_detected_and_converted() {
        let (bytes, _, _) = encoding_rs::GBK.encode(CSV);
        assert!(std::str::from_utf8(&bytes).is_err());
        let t = read_table(&bytes).unwrap();
        assert_eq!(t.encoding, "gb18030");
        assert_eq!(t.rows[0][1], "满14岁后失去补贴");
    }

    #[test]
    fn binary_garbage_is_refused_with_a_reason() {
        assert_eq!(
            read_table(&[0xff, 0xfe, 0x00, 0x81, 0x30]),
            Err(ReadError::Encoding)
        );
        assert_eq!(read_table(b""), Err(ReadError::Empty));
        assert_eq!(read_table(b"PK\x03\x04garbage"), Err(ReadError::Unreadable));
    }

    #[test]
    fn xlsx_files_are_read_with_dates_as_dates() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let s = book.add_worksheet();
        s.write_string(0, 0, "情况描述").unwrap();
        s.write_string(0, 1, "发现日期").unwrap();
        s.write_string(0, 2, "人数").unwrap();
        s.write_string(1, 0, "补贴不足").unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 11, 20).unwrap();
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        s.write_datetime_with_format(1, 1, &date, &fmt).unwrap();
        s.write_number(1, 2, 3.0).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let t = read_table(&bytes).unwrap();
        assert_eq!(t.encoding, "xlsx");
        assert_eq!(t.rows[0], vec!["补贴不足", "2026-11-20", "3"]);
    }

    #[test]
    fn columns_are_guessed_from_chinese_and_english_names() {
        let t = read_table(CSV.as_bytes()).unwrap();
        let m = guess_mapping(&t.headers);
        assert_eq!(m[&Target::ExternalId], 0);
        assert_eq!(m[&Target::Narrative], 1);
        assert_eq!(m[&Target::PolicyArea], 2);
        assert_eq!(m[&Target::Locality], 3);
        assert_eq!(m[&Target::ObservedOn], 4);
        assert_eq!(m[&Target::PeopleAffected], 5);
        assert_eq!(m[&Target::Figure1Amount], 6);
        assert_eq!(m[&Target::Figure1Unit], 7);
    }

    #[test]
    fn rows_resolve_areas_and_places_by_name_or_trail() {
        let t = read_table(CSV.as_bytes()).unwrap();
        let m = guess_mapping(&t.headers);
        let areas = vec![(
            1,
            vec![
                "disability".into(),
                "残疾与康复".into(),
                "disability and rehabilitation".into(),
            ],
        )];
        let locs = vec![
            (
                7,
                vec![
                    "清水湾社区".into(),
                    "宁波市/慈溪市/坎墩街道/清水湾社区".into(),
                ],
            ),
            (5, vec!["慈溪市".into(), "宁波市/慈溪市".into()]),
        ];
        let (a, p) = row_input(&t, 0, &m, &lookups(&areas, &locs));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            (
                a.policy_area_id.as_str(),
                a.locality_id.as_str(),
                a.external_id.as_str()
            ),
            ("1", "7", "A1")
        );
        assert_eq!(a.figures[0].amount, "800");
        assert_eq!(
            a.figures[0].name, "金额",
            "the amount column's header names the figure"
        );
        let (b, _) = row_input(&t, 1, &m, &lookups(&areas, &locs));
        assert_eq!(b.locality_id, "5", "a trail with slashes");
        let unknown = vec![(1, vec!["elderly".into()])];
        let (_, p) = row_input(&t, 0, &m, &lookups(&unknown, &locs));
        assert_eq!(
            p,
            vec![CellProblem {
                row: 2,
                column: "政策领域".into(),
                key: "import.area_unknown".into()
            }]
        );
    }

    #[test]
    fn rows_without_an_id_get_a_stable_fingerprint() {
        let a = row_fingerprint(&["x".into(), "y".into()]);
        assert_eq!(a, row_fingerprint(&[" x".into(), "y ".into()]));
        assert_ne!(a, row_fingerprint(&["x".into(), "z".into()]));
    }
}
