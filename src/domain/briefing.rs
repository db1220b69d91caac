//! One document model for everything Groundswell hands out (briefings now, reports
//! later): a title and a list of blocks. Each output format renders the same model, so
//! the Markdown, the print page and the office formats cannot drift apart.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Block {
    /// Level 1 is a section (一、), 2 a subsection ((一)).
    Heading {
        level: u8,
        text: String,
    },
    Paragraph(String),
    /// Numbered recommendations and the like.
    Numbered(Vec<String>),
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A de-identified vignette quoted from a finding, and where and when it was seen
    /// ("Cixi · 2026-03 · 2 people affected").
    Quote {
        text: String,
        source: String,
    },
    /// A bar chart: label and value (counts; a suppressed cell has no bar).
    Chart {
        title: String,
        bars: Vec<(String, Option<usize>)>,
        note: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    pub title: String,
    pub subtitle: String,
    pub blocks: Vec<Block>,
}

/// Chinese official-document section numbers: 一、二、三、… for level 1, (一)(二)… for
/// level 2.
pub fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_string(),
        10 => "十".into(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        20..=99 => {
            let tens = DIGITS[n / 10];
            if n.is_multiple_of(10) {
                format!("{tens}十")
            } else {
                format!("{tens}十{}", DIGITS[n % 10])
            }
        }
        _ => n.to_string(),
    }
}

/// The number each heading carries (empty for other blocks): 一、 and （一） in Chinese,
/// 1. and 1.1 in English.
pub fn heading_numbers(blocks: &[Block], chinese: bool) -> Vec<String> {
    let (mut h1, mut h2) = (0usize, 0usize);
    blocks
        .iter()
        .map(|b| match b {
            Block::Heading { level: 1, .. } => {
                h1 += 1;
                h2 = 0;
                if chinese {
                    format!("{}、", chinese_number(h1))
                } else {
                    format!("{h1}. ")
                }
            }
            Block::Heading { .. } => {
                h2 += 1;
                if chinese {
                    format!("（{}）", chinese_number(h2))
                } else {
                    format!("{h1}.{h2} ")
                }
            }
            _ => String::new(),
        })
        .collect()
}

/// Markup characters a Markdown reader would act on, escaped.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The document as Markdown (GitHub-flavoured tables).
pub fn to_markdown(d: &Document, chinese: bool) -> String {
    let mut out = format!("# {}\n\n", md_escape(&d.title));
    if !d.subtitle.is_empty() {
        out.push_str(&format!("*{}*\n\n", md_escape(&d.subtitle)));
    }
    let (mut h1, mut h2) = (0usize, 0usize);
    for b in &d.blocks {
        match b {
            Block::Heading { level: 1, text } => {
                h1 += 1;
                h2 = 0;
                let n = if chinese {
                    format!("{}、", chinese_number(h1))
                } else {
                    format!("{h1}. ")
                };
                out.push_str(&format!("## {n}{}\n\n", md_escape(text)));
            }
            Block::Heading { text, .. } => {
                h2 += 1;
                let n = if chinese {
                    format!("（{}）", chinese_number(h2))
                } else {
                    format!("{h1}.{h2} ")
                };
                out.push_str(&format!("### {n}{}\n\n", md_escape(text)));
            }
            Block::Paragraph(p) => out.push_str(&format!("{}\n\n", md_escape(p))),
            Block::Numbered(items) => {
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&format!("{}. {}\n", i + 1, md_escape(item)));
                }
                out.push('\n');
            }
            Block::Table { headers, rows } => {
                let cell = |s: &str| md_escape(&s.replace('\n', " "));
                out.push_str(&format!(
                    "| {} |\n",
                    headers
                        .iter()
                        .map(|h| cell(h))
                        .collect::<Vec<_>>()
                        .join(" | ")
                ));
                out.push_str(&format!("|{}\n", " --- |".repeat(headers.len())));
                for r in rows {
                    out.push_str(&format!(
                        "| {} |\n",
                        r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
                    ));
                }
                out.push('\n');
            }
            Block::Quote { text, source } => {
                for line in text.lines() {
                    out.push_str(&format!("> {}\n", md_escape(line)));
                }
                out.push_str(&format!(">\n> — {}\n\n", md_escape(source)));
            }
            Block::Chart { title, bars, note } => {
                out.push_str(&format!("**{}**\n\n", md_escape(title)));
                let max = bars
                    .iter()
                    .filter_map(|(_, v)| *v)
                    .max()
                    .unwrap_or(1)
                    .max(1);
                for (label, v) in bars {
                    match v {
                        Some(n) => out.push_str(&format!(
                            "- {} {} {n}\n",
                            md_escape(label),
                            "█".repeat((n * 20).div_ceil(max))
                        )),
                        None => out.push_str(&format!("- {} —\n", md_escape(label))),
                    }
                }
                if let Some(n) = note {
                    out.push_str(&format!("\n{}\n", md_escape(n)));
                }
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_section_numbers() {
        assert_eq!(chinese_number(1), "一");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(12), "十二");
        assert_eq!(chinese_number(20), "二十");
        assert_eq!(chinese_number(23), "二十三");
    }

    #[test]
    fn markdown_numbers_sections_and_escapes_markup() {
        let d = Document {
            title: "关于 *14 岁* 的建议".into(),
            subtitle: String::new(),
            blocks: vec![
                Block::Heading {
                    level: 1,
                    text: "案由".into(),
                },
                Block::Heading {
                    level: 2,
                    text: "背景".into(),
                },
                Block::Paragraph("<script>alert(1)</script> =cmd|' /C calc'!A0".into()),
                Block::Numbered(vec!["第一条".into(), "第二条".into()]),
                Block::Table {
                    headers: vec!["区县".into(), "发现".into()],
                    rows: vec![vec!["慈溪|市".into(), "3".into()]],
                },
                Block::Chart {
                    title: "按月".into(),
                    bars: vec![("2026-01".into(), Some(4)), ("2026-02".into(), None)],
                    note: None,
                },
            ],
        };
        let md = to_markdown(&d, true);
        assert!(md.starts_with("# 关于 \\*14 岁\\* 的建议"), "{md}");
        assert!(
            md.contains("## 一、案由") && md.contains("### （一）背景"),
            "{md}"
        );
        assert!(md.contains("\\<script\\>"), "{md}");
        assert!(md.contains("1. 第一条\n2. 第二条"), "{md}");
        assert!(md.contains("| 慈溪\\|市 | 3 |"), "{md}");
        assert!(md.contains("- 2026-02 —"), "{md}");
        let en = to_markdown(&d, false);
        assert!(
            en.contains("## 1. 案由") && en.contains("### 1.1 背景"),
            "{en}"
        );
    }
}
