//! The document model as DOCX that opens in Word and LibreOffice and can be edited
//! further. In Chinese it follows official-document conventions (GB/T 9704): A4 with
//! the standard margins, a 小标宋 title, 仿宋 body in 三号 with a two-character first-line
//! indent, 黑体 for 一、 headings and 楷体 for (一) headings, page numbers at the foot.
//! The fonts are named in the file with Latin fallbacks; DOCX does not embed fonts.

use docx_rs::{
    AlignmentType, Docx, Footer, PageMargin, PageNum, Paragraph, Run, RunFonts, SpecialIndentType,
    Table, TableCell, TableRow,
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
            Block::Table { headers, rows } => {
                let mut trs = vec![TableRow::new(
                    headers.iter().map(|h| cell(h, &s, true)).collect(),
                )];
                trs.extend(
                    rows.iter()
                        .map(|r| TableRow::new(r.iter().map(|c| cell(c, &s, false)).collect())),
                );
                doc.add_table(Table::new(trs))
            }
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
                let trs = bars
                    .iter()
                    .map(|(label, v)| {
                        let (bar, value) = match v {
                            Some(n) => ("█".repeat((n * 12).div_ceil(max)), n.to_string()),
                            None => (String::new(), "—".into()),
                        };
                        TableRow::new(vec![
                            cell(label, &s, false),
                            cell(&bar, &s, false),
                            cell(&value, &s, false),
                        ])
                    })
                    .collect();
                doc = doc.add_table(Table::new(trs));
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
