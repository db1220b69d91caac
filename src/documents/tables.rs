//! Reports as typed tables ([`TableBook`]): one model that becomes an XLSX workbook
//! (a sheet per table, numbers as numbers, dates as dates, percentages as
//! percentages), a CSV for analysts (one long table: table, row, column, value) and
//! the document model that the PDF and DOCX renderers print. Text never becomes a
//! formula: XLSX cells are written as strings, CSV cells that a spreadsheet would run
//! are defused.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::briefing::{Block, Document};

/// One cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Int(i64),
    /// Shown with one decimal.
    Number(f64),
    /// A share between 0 and 1, shown as a percentage.
    Percent(f64),
    Date(NaiveDate),
    /// A count below the small-cell threshold: shown as its label ("fewer than 3").
    Few(String),
    Empty,
}

impl Value {
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }

    pub fn opt_percent(v: Option<f64>) -> Value {
        v.map(Value::Percent).unwrap_or(Value::Empty)
    }

    pub fn opt_number(v: Option<f64>) -> Value {
        v.map(Value::Number).unwrap_or(Value::Empty)
    }

    /// How the cell reads on paper.
    pub fn display(&self) -> String {
        match self {
            Value::Text(s) | Value::Few(s) => s.clone(),
            Value::Int(n) => n.to_string(),
            Value::Number(v) if v.fract() == 0.0 => format!("{v:.0}"),
            Value::Number(v) => format!("{v:.1}"),
            Value::Percent(v) => format!("{:.0}%", v * 100.0),
            Value::Date(d) => d.to_string(),
            Value::Empty => "—".into(),
        }
    }

    /// How the cell reads in a CSV: numbers plain, shares as fractions.
    fn csv(&self) -> String {
        match self {
            Value::Text(s) | Value::Few(s) => crate::web::findings::export::defuse_formula(s),
            Value::Int(n) => n.to_string(),
            Value::Number(v) => format!("{v}"),
            Value::Percent(v) => format!("{:.4}", v),
            Value::Date(d) => d.to_string(),
            Value::Empty => String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// A short stable name: the sheet's name and the CSV's `table` column.
    pub name: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// A sentence under the table (how a figure is counted, what is suppressed).
    pub note: Option<String>,
    /// Draw a bar chart of this column (by the first column's labels) in documents.
    pub chart_column: Option<usize>,
    /// Message shown instead of an empty table.
    pub empty: String,
    /// Documents for people (PDF, DOCX) show at most this many rows, then `more` with
    /// `{n}` the rows left out; spreadsheets always have them all.
    pub doc_limit: Option<usize>,
    pub more: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableBook {
    pub title: String,
    pub subtitle: String,
    /// Paragraphs before the tables.
    pub intro: Vec<String>,
    pub tables: Vec<Table>,
}

/// The book as the document model: a heading, the chart and the table for each.
pub fn to_document(book: &TableBook) -> Document {
    let mut blocks: Vec<Block> = book
        .intro
        .iter()
        .map(|p| Block::Paragraph(p.clone()))
        .collect();
    for t in &book.tables {
        blocks.push(Block::Heading {
            level: 1,
            text: t.title.clone(),
        });
        if t.rows.is_empty() {
            blocks.push(Block::Paragraph(t.empty.clone()));
            continue;
        }
        if let Some(c) = t.chart_column {
            let bars = t
                .rows
                .iter()
                .map(|r| {
                    let label = r.first().map(Value::display).unwrap_or_default();
                    let value = match r.get(c) {
                        Some(Value::Int(n)) => Some((*n).max(0) as usize),
                        _ => None,
                    };
                    (label, value)
                })
                .collect();
            blocks.push(Block::Chart {
                title: t.columns.get(c).cloned().unwrap_or_default(),
                bars,
                note: None,
            });
            // A label and a count: the chart, which shows the numbers, says it all.
            if t.columns.len() == 2 {
                if let Some(n) = &t.note {
                    blocks.push(Block::Paragraph(n.clone()));
                }
                continue;
            }
        }
        let shown = t.doc_limit.unwrap_or(usize::MAX).min(t.rows.len());
        blocks.push(Block::Table {
            headers: t.columns.clone(),
            rows: t.rows[..shown]
                .iter()
                .map(|r| r.iter().map(Value::display).collect())
                .collect(),
        });
        if shown < t.rows.len() {
            blocks.push(Block::Paragraph(
                t.more.replace("{n}", &(t.rows.len() - shown).to_string()),
            ));
        }
        if let Some(n) = &t.note {
            blocks.push(Block::Paragraph(n.clone()));
        }
    }
    Document {
        title: book.title.clone(),
        subtitle: book.subtitle.clone(),
        blocks,
    }
}

/// One long table: `table, row, column, value` (the row is named by its first cell).
/// UTF-8 with a byte-order mark, so that Excel reads the Chinese.
pub fn to_csv(book: &TableBook, header: [&str; 4]) -> anyhow::Result<Vec<u8>> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(header)?;
        for t in &book.tables {
            for r in &t.rows {
                let row = r.first().map(Value::display).unwrap_or_default();
                for (c, v) in r.iter().enumerate().skip(1) {
                    w.write_record([
                        t.name.as_str(),
                        &crate::web::findings::export::defuse_formula(&row),
                        &crate::web::findings::export::defuse_formula(&t.columns[c]),
                        &v.csv(),
                    ])?;
                }
            }
        }
        w.flush()?;
    }
    Ok(out)
}

/// Characters a sheet name may not hold, and its longest length.
fn sheet_name(name: &str, taken: &[String]) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(28)
        .collect();
    let clean = if clean.trim().is_empty() {
        "Sheet".to_string()
    } else {
        clean
    };
    let mut candidate = clean.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
        candidate = format!("{clean} {n}");
        n += 1;
    }
    candidate
}

/// A workbook: a first sheet with the title and introduction, then one sheet per table
/// with a bold header row frozen at the top, typed cells and sensible widths.
pub fn to_xlsx(book: &TableBook, contents: &str) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let percent = Format::new().set_num_format("0%");
    let one_decimal = Format::new().set_num_format("0.0");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut taken: Vec<String> = Vec::new();
    {
        let name = sheet_name(contents, &taken);
        taken.push(name.clone());
        let sheet = wb.add_worksheet();
        sheet.set_name(&name)?;
        sheet.write_string_with_format(0, 0, &book.title, &title)?;
        sheet.write_string(1, 0, &book.subtitle)?;
        for (i, p) in book.intro.iter().enumerate() {
            sheet.write_string(3 + i as u32, 0, p)?;
        }
        sheet.set_column_width(0, 100)?;
    }
    for t in &book.tables {
        let name = sheet_name(&t.name, &taken);
        taken.push(name.clone());
        let sheet = wb.add_worksheet();
        sheet.set_name(&name)?;
        let mut widths: Vec<usize> = t.columns.iter().map(|c| display_width(c)).collect();
        for (c, h) in t.columns.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &bold)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, v) in row.iter().enumerate() {
                let col = c as u16;
                match v {
                    // Written as strings, never as formulas.
                    Value::Text(s) | Value::Few(s) => {
                        sheet.write_string(r, col, s)?;
                    }
                    Value::Int(n) => {
                        sheet.write_number(r, col, *n as f64)?;
                    }
                    Value::Number(x) => {
                        sheet.write_number_with_format(r, col, *x, &one_decimal)?;
                    }
                    Value::Percent(x) => {
                        sheet.write_number_with_format(r, col, *x, &percent)?;
                    }
                    Value::Date(d) => {
                        let dt = rust_xlsxwriter::ExcelDateTime::parse_from_str(&d.to_string())?;
                        sheet.write_datetime_with_format(r, col, &dt, &date)?;
                    }
                    Value::Empty => {}
                }
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(display_width(&v.display()));
                }
            }
        }
        if t.rows.is_empty() {
            sheet.write_string(1, 0, &t.empty)?;
        }
        if let Some(n) = &t.note {
            sheet.write_string(t.rows.len() as u32 + 2, 0, n)?;
        }
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, (*w as f64 + 2.0).min(60.0))?;
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// Columns in a spreadsheet: a Han character is about two Latin ones wide.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> TableBook {
        TableBook {
            title: "报告".into(),
            subtitle: "2026".into(),
            intro: vec!["说明".into()],
            tables: vec![Table {
                name: "Departments".into(),
                title: "各部门".into(),
                columns: vec!["部门".into(), "提交".into(), "按时率".into()],
                rows: vec![
                    vec![
                        Value::text("=cmd|' /C calc'!A0"),
                        Value::Int(4),
                        Value::Percent(0.5),
                    ],
                    vec![
                        Value::text("教育局"),
                        Value::Few("少于 3".into()),
                        Value::Empty,
                    ],
                ],
                note: None,
                chart_column: Some(1),
                empty: "无".into(),
                doc_limit: Some(1),
                more: "另有 {n} 行".into(),
            }],
        }
    }

    #[test]
    fn csv_is_long_typed_and_defused() {
        let csv = String::from_utf8(to_csv(&book(), ["table", "row", "column", "value"]).unwrap())
            .unwrap();
        assert!(csv.starts_with('\u{feff}'));
        assert!(
            csv.contains("Departments,'=cmd|' /C calc'!A0,提交,4"),
            "{csv}"
        );
        assert!(
            csv.contains("Departments,'=cmd|' /C calc'!A0,按时率,0.5000"),
            "{csv}"
        );
        assert!(csv.contains("Departments,教育局,提交,少于 3"), "{csv}");
    }

    #[test]
    fn documents_chart_counts_and_show_suppressed_cells_as_labels() {
        let d = to_document(&book());
        let chart = d
            .blocks
            .iter()
            .find_map(|b| match b {
                Block::Chart { bars, .. } => Some(bars.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(chart[0].1, Some(4));
        assert_eq!(chart[1].1, None);
        let table = d
            .blocks
            .iter()
            .find_map(|b| match b {
                Block::Table { rows, .. } => Some(rows.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(table[0][2], "50%");
        assert_eq!(table.len(), 1, "documents show at most the limit");
        assert!(d.blocks.contains(&Block::Paragraph("另有 1 行".into())));
        let csv = String::from_utf8(to_csv(&book(), ["t", "r", "c", "v"]).unwrap()).unwrap();
        assert!(
            csv.contains("教育局,提交,少于 3"),
            "spreadsheets have every row"
        );
    }

    #[test]
    fn sheet_names_are_legal_and_unique() {
        assert_eq!(sheet_name("a/b:c", &[]), "abc");
        assert_eq!(sheet_name("Stages", &["stages".into()]), "Stages 2");
        assert_eq!(sheet_name("???", &[]), "Sheet");
        assert!(sheet_name(&"长".repeat(40), &[]).chars().count() <= 31);
    }
}
