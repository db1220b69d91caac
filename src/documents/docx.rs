//! The document model as DOCX that opens in Word and LibreOffice and can be edited
//! further. In Chinese it follows official-document conventions (GB/T 9704): A4 with
//! the standard margins, a 小标宋 title, 仿宋 body in 三号 with a two-character first-line
//! indent, 黑体 for 一、 headings and 楷体 for (一) headings, page numbers at the foot.
//! The fonts are named in the file with Latin fallbacks; DOCX does not embed fonts.

use docx_rs::{
    AlignmentType, Docx, Footer, PageMargin, PageNum, Paragraph, Run, RunFonts, Shading,
    SpecialIndentType, Table, TableCell, TableLayoutType, TableRow, WidthType,
};

use crate::domain::briefing::{Block, Document, heading_numbers};

/// Millimetres to twentieths of a point.
fn mm(v: f64) -> i32 {
    (v * 56.692).round() as i32
}

struct Style {
    title: RunFonts,
    body: RunFonts,
    h1: RunFonts,
    h2: RunFonts,
    /// Half-points.
    title_size: usize,
    body_size: usize,
    table_size: usize,
}

fn style(chinese: bool) -> Style {
    let latin = |f: &str| RunFonts::new().ascii(f).hi_ansi(f);
    if chinese {
        Style {
            title: latin("Times New Roman").east_asia("方正小标宋简体"),
            body: latin("Times New Roman").east_asia("仿宋_GB2312"),
            h1: latin("Times New Roman").east_asia("黑体"),
            h2: latin("Times New Roman").east_asia("楷体_GB2312"),
            title_size: 44,
            body_size: 32,
            table_size: 21,
        }
    } else {
        Style {
            title: latin("Georgia").east_asia("SimSun"),
            body: latin("Georgia").east_asia("SimSun"),
            h1: latin("Arial").east_asia("SimHei"),
            h2: latin("Arial").east_asia("SimHei"),
            title_size: 36,
            body_size: 24,
            table_size: 20,
        }
    }
}

fn run(text: &str, fonts: &RunFonts, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts.clone()).size(size)
}

fn cell(text: &str, s: &Style, bold: bool) -> TableCell {
    let mut r = run(text, &s.body, s.table_size);
    if bold {
        r = r.bold();
    }
    TableCell::new().add_paragraph(Paragraph::new().add_run(r))
}

/// The width of the text between the margins, in twentieths of a point.
const MEASURE: usize = 11906 - 1587 - 1474;

/// How wide a text runs: a Han character about two Latin ones.
fn text_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// Column widths by what the columns hold: a column of short values (numbers, dates,
/// a name) gets room for its longest value on one line; the columns of longer text
/// share what is left, by how long their text runs. The widths sum to the measure.
fn column_widths(headers: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    // Twips per half-width character at table size, and a cell's padding.
    const CHAR: usize = 125;
    const PAD: usize = 320;
    let n = headers.len().max(1);
    let longest: Vec<usize> = (0..n)
        .map(|c| {
            let cells = rows
                .iter()
                .take(500)
                .filter_map(|r| r.get(c))
                .map(|v| text_width(v))
                .max()
                .unwrap_or(0);
            // A header may take two lines.
            let header = headers.get(c).map(|h| text_width(h)).unwrap_or(0);
            cells.max(header.div_ceil(2)).max(2)
        })
        .collect();
    let short = |w: usize| w <= 14;
    let mut widths: Vec<usize> = longest
        .iter()
        .map(|&w| if short(w) { w * CHAR + PAD } else { 0 })
        .collect();
    let fixed: usize = widths.iter().sum();
    let long_total: usize = longest.iter().filter(|w| !short(**w)).sum();
    if long_total == 0 || fixed >= MEASURE * 3 / 4 {
        // Nothing long, or too many short columns: share the measure by length.
        let total: usize = longest.iter().sum();
        return longest.iter().map(|w| w * MEASURE / total).collect();
    }
    let left = MEASURE - fixed;
    for (w, &l) in widths.iter_mut().zip(&longest) {
        if !short(l) {
            *w = l * left / long_total;
        }
    }
    widths
}

fn table(headers: &[String], rows: &[Vec<String>], s: &Style) -> Table {
    let widths = column_widths(headers, rows);
    let sized = |c: TableCell, i: usize| c.width(widths[i.min(widths.len() - 1)], WidthType::Dxa);
    let mut trs = vec![
        TableRow::new(
            headers
                .iter()
                .enumerate()
                .map(|(i, h)| sized(cell(h, s, true).shading(Shading::new().fill("E8EEF2")), i))
                .collect(),
        )
        .cant_split(),
    ];
    trs.extend(rows.iter().map(|r| {
        TableRow::new(
            r.iter()
                .enumerate()
                .map(|(i, c)| sized(cell(c, s, false), i))
                .collect(),
        )
        .cant_split()
    }));
    Table::new(trs)
        .set_grid(widths.clone())
        .layout(TableLayoutType::Fixed)
        .width(MEASURE, WidthType::Dxa)
}

/// The document as DOCX bytes.
pub fn to_docx(d: &Document, chinese: bool) -> anyhow::Result<Vec<u8>> {
    let s = style(chinese);
    let first_line = Some(SpecialIndentType::FirstLine(if chinese { 640 } else { 0 }));
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(mm(37.0))
                .bottom(mm(35.0))
                .left(mm(28.0))
                .right(mm(26.0)),
        )
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_page_num(PageNum::new()),
            ),
        )
        .add_paragraph(Paragraph::new().align(AlignmentType::Center).add_run(run(
            &d.title,
            &s.title,
            s.title_size,
        )));
    if !d.subtitle.is_empty() {
        doc = doc.add_paragraph(Paragraph::new().align(AlignmentType::Center).add_run(run(
            &d.subtitle,
            &s.body,
            s.table_size + 2,
        )));
    }
    let numbers = heading_numbers(&d.blocks, chinese);
    for (b, n) in d.blocks.iter().zip(&numbers) {
        doc = match b {
            Block::Heading { level: 1, text } => doc.add_paragraph(Paragraph::new().add_run(run(
                &format!("{n}{text}"),
                &s.h1,
                s.body_size,
            ))),
            Block::Heading { text, .. } => doc.add_paragraph(Paragraph::new().add_run(run(
                &format!("{n}{text}"),
                &s.h2,
                s.body_size,
            ))),
            Block::Paragraph(p) => doc.add_paragraph(
                Paragraph::new()
                    .indent(None, first_line, None, None)
                    .add_run(run(p, &s.body, s.body_size)),
            ),
            Block::Numbered(items) => {
                for (i, item) in items.iter().enumerate() {
                    doc = doc.add_paragraph(
                        Paragraph::new()
                            .indent(None, first_line, None, None)
                            .add_run(run(&format!("{}. {item}", i + 1), &s.body, s.body_size)),
                    );
                }
                doc
            }
            Block::Table { headers, rows } => doc.add_table(table(headers, rows, &s)),
            Block::Quote { text, source } => {
                // Indented by two characters on both sides, the source right-aligned.
                let indent = if chinese { 640 } else { 567 };
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    doc = doc.add_paragraph(
                        Paragraph::new()
                            .indent(Some(indent), None, Some(indent), None)
                            .add_run(run(line, &s.h2, s.body_size - 2)),
                    );
                }
                doc.add_paragraph(
                    Paragraph::new()
                        .align(AlignmentType::Right)
                        .indent(None, None, Some(indent), None)
                        .add_run(run(&format!("—— {source}"), &s.body, s.table_size)),
                )
            }
            Block::Chart { title, bars, note } => {
                doc =
                    doc.add_paragraph(Paragraph::new().add_run(run(title, &s.h2, s.body_size - 4)));
                let max = bars
                    .iter()
                    .filter_map(|(_, v)| *v)
                    .max()
                    .unwrap_or(1)
                    .max(1);
                // Label, bar, value: the bar a run of full blocks in the chart colour,
                // up to 24 of them for the largest value.
                let widths = [MEASURE * 3 / 10, MEASURE * 6 / 10, MEASURE / 10];
                let trs = bars
                    .iter()
                    .map(|(label, v)| {
                        let (bar, value) = match v {
                            Some(n) => ("█".repeat((n * 24).div_ceil(max)), n.to_string()),
                            None => (String::new(), "—".into()),
                        };
                        let bar_cell = TableCell::new().add_paragraph(
                            Paragraph::new()
                                .add_run(run(&bar, &s.body, s.table_size - 4).color("0B6E4F")),
                        );
                        TableRow::new(vec![
                            cell(label, &s, false).width(widths[0], WidthType::Dxa),
                            bar_cell.width(widths[1], WidthType::Dxa),
                            cell(&value, &s, false).width(widths[2], WidthType::Dxa),
                        ])
                        .cant_split()
                    })
                    .collect();
                doc = doc.add_table(
                    Table::without_borders(trs)
                        .set_grid(widths.to_vec())
                        .layout(TableLayoutType::Fixed)
                        .width(MEASURE, WidthType::Dxa),
                );
                match note {
                    Some(n) => {
                        doc.add_paragraph(Paragraph::new().add_run(run(n, &s.body, s.table_size)))
                    }
                    None => doc,
                }
            }
        };
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out)?;
    Ok(out.into_inner())
}
