//! The PDF read back the way its readers' tools read it: poppler's pdftotext, pdffonts
//! and pdfinfo. They and the fonts are required when GROUNDSWELL_REQUIRE_BROWSER is set
//! (CI installs them); otherwise a test without them is skipped with a note.

use std::path::PathBuf;
use std::process::Command;

use super::text::{TextStyle, break_lines, clean};
use super::*;

fn required() -> bool {
    std::env::var_os("GROUNDSWELL_REQUIRE_BROWSER").is_some()
}

/// The installed fonts, or None (the test is skipped) where there are none.
fn fonts() -> Option<PdfFonts> {
    match PdfFonts::find() {
        Ok(f) => Some(f),
        Err(e) if required() => panic!("{e}"),
        Err(e) => {
            eprintln!("NOTE: PDF test SKIPPED: {e}");
            None
        }
    }
}

fn have_poppler() -> bool {
    let ok = Command::new("pdftotext").arg("-v").output().is_ok();
    if !ok {
        assert!(
            !required(),
            "poppler-utils (pdftotext, pdffonts) is required: apt-get install poppler-utils"
        );
        eprintln!("NOTE: PDF check SKIPPED: pdftotext missing");
    }
    ok
}

/// A PDF in a file of its own, removed afterwards.
struct TempPdf(PathBuf);

impl TempPdf {
    fn new(pdf: &[u8]) -> TempPdf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "gs-pdf-{}-{}.pdf",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, pdf).unwrap();
        TempPdf(path)
    }

    /// Runs a poppler tool on the file; it must succeed and complain of nothing.
    fn tool(&self, tool: &str, args: &[&str]) -> String {
        let out = Command::new(tool)
            .args(args)
            .arg(&self.0)
            .args(if tool == "pdftotext" { &["-"][..] } else { &[] })
            .output()
            .unwrap_or_else(|e| panic!("run {tool}: {e}"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{tool} failed: {err}");
        assert!(err.trim().is_empty(), "{tool} complained: {err}");
        String::from_utf8(out.stdout).expect("UTF-8")
    }

    fn text(&self) -> String {
        self.tool("pdftotext", &["-enc", "UTF-8"])
    }

    fn page_text(&self, n: usize) -> String {
        let n = n.to_string();
        self.tool("pdftotext", &["-enc", "UTF-8", "-f", &n, "-l", &n])
    }

    fn pages(&self) -> usize {
        let info = self.tool("pdfinfo", &[]);
        info.lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("a page count")
    }
}

impl Drop for TempPdf {
    fn drop(&mut self) {
        std::fs::remove_file(&self.0).ok();
    }
}

fn no_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Text without white space and page numbers: what a line or page break inside a
/// phrase does not change.
fn squash(s: &str) -> String {
    let page_number = |l: &str| {
        let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
        l.strip_prefix('—')
            .and_then(|l| l.strip_suffix('—'))
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    s.lines()
        .filter(|l| !page_number(l))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect()
}

const DISTRICTS_ZH: [&str; 6] = ["慈溪市", "余姚市", "海曙区", "鄞州区", "北仑区", "宁海县"];
const DISTRICTS_EN: [&str; 6] = ["Cixi", "Yuyao", "Haishu", "Yinzhou", "Beilun", "Ninghai"];

fn narrative(i: usize, chinese: bool) -> String {
    let base = if chinese {
        "社工在入户走访中发现，该家庭父母一方服刑、另一方长期外出务工，儿童由年迈的祖辈照料，临时监护责任在村（居）委会与民政部门之间没有明确衔接，学校反映孩子多次缺课，心理状况也需要专业评估和持续跟进。"
    } else {
        "During a home visit the caseworker found that one parent is in prison and the other works away; the child lives with elderly grandparents, and no agency has taken on temporary guardianship."
    };
    let s: String = format!("{base}{base}")
        .chars()
        .skip(i % 7)
        .take(160)
        .collect();
    s
}

fn appendix(rows: usize, chinese: bool) -> Block {
    let districts = if chinese { DISTRICTS_ZH } else { DISTRICTS_EN };
    Block::Table {
        headers: if chinese {
            vec!["编号".into(), "日期".into(), "区县".into(), "摘要".into()]
        } else {
            vec![
                "ID".into(),
                "Observed".into(),
                "District".into(),
                "Finding".into(),
            ]
        },
        rows: (1..=rows)
            .map(|i| {
                vec![
                    format!("#{i}"),
                    format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                    districts[i % districts.len()].to_string(),
                    narrative(i, chinese),
                ]
            })
            .collect(),
    }
}

fn sample(chinese: bool, rows: usize) -> Document {
    if chinese {
        Document {
            title: "关于完善困境儿童临时监护衔接机制的建议".into(),
            subtitle: "宁波市慈善总会　2026年3月".into(),
            blocks: vec![
                Block::Heading { level: 1, text: "基本情况".into() },
                Block::Paragraph("2025年以来，全市社工在困境儿童个案服务中共记录相关发现47条，涉及慈溪市、余姚市等6个区县。其中，父母一方服刑或下落不明、另一方无力履行监护职责的情形占比最高（约62%）；“临时监护”在《未成年人保护法》第九十二条中已有规定，但在基层执行中，村（居）委会、乡镇（街道）与民政部门之间的职责衔接仍不清晰，儿童往往在数周内处于无人负责的状态。".into()),
                Block::Heading { level: 2, text: "主要问题".into() },
                Block::Paragraph("一是发现报告渠道不统一，学校、医院和社区各自上报，信息难以汇总；二是临时照料场所不足，部分县（市、区）尚未设立儿童福利机构或未成年人救助保护机构；三是评估标准缺失，是否启动临时监护主要依赖个人经验。Groundswell 平台的数据显示，从发现到落实临时监护平均需要 23 个工作日。".into()),
                Block::Quote {
                    text: "孩子的奶奶已经七十多岁，腿脚不便，每天只能给孩子煮一顿饭。村里说这事归民政管，民政说要先有村里的证明。\n我们跑了三趟，孩子已经两周没去上学了。".into(),
                    source: "慈溪市 · 2026-03 · 2 人受影响".into(),
                },
                Block::Chart {
                    title: "按区县的发现数".into(),
                    bars: vec![
                        ("慈溪市".into(), Some(14)),
                        ("余姚市".into(), Some(9)),
                        ("海曙区".into(), Some(6)),
                        ("宁海县".into(), None),
                    ],
                    note: Some("少于 3 例的单元格已隐去，以“—”表示。".into()),
                },
                Block::Heading { level: 1, text: "建议".into() },
                Block::Numbered(vec![
                    "明确村（居）委会为发现报告的第一责任主体，发现后24小时内报乡镇（街道）和县级民政部门。".into(),
                    "在每个县（市、区）至少指定一处临时照料场所，并与社会组织签订服务协议。".into(),
                    "制定临时监护启动的评估指引，将社工评估意见作为重要依据。".into(),
                ]),
                Block::Heading { level: 1, text: "附件：发现清单".into() },
                appendix(rows, true),
            ],
        }
    } else {
        Document {
            title: "Closing the gap in temporary guardianship for children in difficulty".into(),
            subtitle: "Ningbo Charity Federation · March 2026".into(),
            blocks: vec![
                Block::Heading { level: 1, text: "Background".into() },
                Block::Paragraph("Since 2025 caseworkers across the city have recorded 47 findings on children in difficulty, in six districts including Cixi and Yuyao. The most frequent situation (about 62%) is a child one of whose parents is in prison or missing while the other cannot provide care. Temporary guardianship is provided for in Article 92 of the Law on the Protection of Minors, but in practice the duties of village committees, townships and the civil affairs bureau are not joined up.".into()),
                Block::Heading { level: 2, text: "What goes wrong".into() },
                Block::Paragraph("Reports arrive through separate channels; there are too few places for temporary care; and there is no shared standard for deciding when temporary guardianship should begin. On Groundswell's figures it takes 23 working days on average from a finding to a guardian being in place.".into()),
                Block::Quote {
                    text: "The grandmother is over seventy and can barely walk; she manages one meal a day for the boy. The village says it is for civil affairs, civil affairs want a letter from the village first.".into(),
                    source: "Cixi · 2026-03 · 2 people affected".into(),
                },
                Block::Chart {
                    title: "Findings by district".into(),
                    bars: vec![
                        ("Cixi".into(), Some(14)),
                        ("Yuyao".into(), Some(9)),
                        ("Haishu".into(), Some(6)),
                        ("Ninghai".into(), None),
                    ],
                    note: Some("Cells under 3 are suppressed and shown as —.".into()),
                },
                Block::Heading { level: 1, text: "Recommendations".into() },
                Block::Numbered(vec![
                    "Make the village or residents' committee responsible for reporting, to the township and the county civil affairs bureau within 24 hours.".into(),
                    "Designate at least one place of temporary care in each county, under a service agreement with a social organisation.".into(),
                    "Issue guidance on when temporary guardianship begins, with the caseworker's assessment as a main ground.".into(),
                ]),
                Block::Heading { level: 1, text: "Appendix: findings".into() },
                appendix(rows, false),
            ],
        }
    }
}

#[test]
fn chinese_document_reads_back() {
    let Some(fonts) = fonts() else { return };
    let pdf = to_pdf(&sample(true, 12), true, &fonts).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // Subset fonts: a short briefing is tens of kilobytes, not the 20 MB font files.
    assert!(pdf.len() < 500_000, "{} bytes", pdf.len());
    if !have_poppler() {
        return;
    }
    let f = TempPdf::new(&pdf);
    let text = f.text();
    let flat = squash(&text);
    for expect in [
        "关于完善困境儿童临时监护衔接机制的建议",
        "一、基本情况",
        "（一）主要问题",
        "二、建议",
        "慈溪市",
        "孩子的奶奶已经七十多岁",
        "——慈溪市·2026-03·2人受影响",
        "按区县的发现数",
        "余姚市",
        "1.明确村（居）委会",
        "#12",
        "《未成年人保护法》",
    ] {
        assert!(
            flat.contains(&squash(expect)),
            "{expect} missing from: {flat}"
        );
    }
    // The page number (pdftotext leaves out spaces as narrow as these).
    assert!(no_space(&text).contains("—1—"), "{text}");
    let info = f.tool("pdfinfo", &[]);
    assert!(info.contains("Producer:        Groundswell"), "{info}");
    assert!(
        info.contains("Title:           关于完善困境儿童临时监护衔接机制的建议"),
        "{info}"
    );
    assert!(info.contains("pts (A4)"), "{info}");
}

#[test]
fn english_document_reads_back() {
    let Some(fonts) = fonts() else { return };
    let pdf = to_pdf(&sample(false, 12), false, &fonts).unwrap();
    assert!(pdf.len() < 500_000, "{} bytes", pdf.len());
    if !have_poppler() {
        return;
    }
    let f = TempPdf::new(&pdf);
    let text = f.text();
    let pages = f.pages();
    for expect in [
        "Closing the gap in temporary guardianship",
        "1. Background",
        "1.1 What goes wrong",
        "2. Recommendations",
        "Yinzhou",
        "The grandmother is over seventy",
        "— Cixi · 2026-03 · 2 people affected",
        "Findings by district",
        "Ninghai",
        "1. Make the village",
    ] {
        assert!(text.contains(expect), "{expect} missing from: {text}");
    }
    assert!(no_space(&text).contains(&format!("1/{pages}")), "{text}");
}

#[test]
fn fonts_are_embedded_subsets_with_unicode_maps() {
    let Some(fonts) = fonts() else { return };
    let pdf = to_pdf(&sample(true, 3), true, &fonts).unwrap();
    if !have_poppler() {
        return;
    }
    let list = TempPdf::new(&pdf).tool("pdffonts", &[]);
    // name, type (two words: "CID Type 0C" has three), encoding, emb, sub, uni, object
    let rows: Vec<&str> = list.lines().skip(2).collect();
    assert!(rows.len() >= 2, "{list}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert!(
            cols[n - 5..n - 2] == ["yes", "yes", "yes"],
            "not an embedded subset with ToUnicode: {list}"
        );
        assert!(cols[0].len() > 7 && cols[0].as_bytes()[6] == b'+', "{list}");
        assert!(row.contains("Identity-H"), "{list}");
    }
    assert!(list.contains("NotoSerifCJKsc-Regular"), "{list}");
}

fn hostile() -> Document {
    let long_word = "x".repeat(5000);
    let nasty = format!(
        "emoji 😀👩‍👩‍👧 and ✅; العربية עברית; e\u{301}\u{302}\u{303}; \u{202E}override\u{202C}; NUL\u{0}BEL\u{7}ESC\u{1b}; <script>alert(1)</script> =cmd|' /C calc'!A0; {long_word}"
    );
    Document {
        title: format!("<script>{nasty}"),
        subtitle: "\u{202E}\u{0}".into(),
        blocks: vec![
            Block::Heading {
                level: 1,
                text: nasty.clone(),
            },
            Block::Heading {
                level: 3,
                text: "\u{0}".into(),
            },
            Block::Paragraph(nasty.clone()),
            Block::Paragraph(String::new()),
            Block::Numbered(vec![nasty.clone(), String::new()]),
            Block::Table {
                headers: vec![],
                rows: vec![],
            },
            Block::Table {
                headers: vec!["a".into(), nasty.clone()],
                rows: vec![
                    vec![],
                    vec![nasty.clone()],
                    vec!["1".into(), "2".into(), "3".into()],
                ],
            },
            Block::Quote {
                text: nasty.clone(),
                source: String::new(),
            },
            Block::Chart {
                title: nasty.clone(),
                bars: vec![("a".into(), None), (nasty.clone(), None)],
                note: Some(nasty.clone()),
            },
            Block::Chart {
                title: String::new(),
                bars: vec![],
                note: None,
            },
        ],
    }
}

#[test]
fn hostile_text_makes_a_valid_pdf() {
    let Some(fonts) = fonts() else { return };
    let d = hostile();
    assert!(
        fonts.fallback.is_some() || !required(),
        "the fallback font is required: apt-get install fonts-dejavu-core"
    );
    // Without the fallback font, and without a bold one, it is still a valid PDF.
    let bare = PdfFonts {
        bold: fonts.regular.clone(),
        fallback: None,
        ..fonts.clone()
    };
    for (chinese, fonts) in [(true, &fonts), (false, &fonts), (true, &bare)] {
        let pdf = to_pdf(&d, chinese, fonts).unwrap();
        if !have_poppler() {
            return;
        }
        let f = TempPdf::new(&pdf);
        let text = f.text();
        assert!(text.contains("<script>alert(1)</script>"), "{text}");
        // The long word is all there, broken across lines.
        let xs = text.chars().filter(|c| *c == 'x').count();
        assert!(xs >= 5000 * 8, "{xs} x's");
        // Direction overrides and control characters are not drawn.
        assert!(!text.contains('\u{202E}') && !text.contains('\u{0}'));
        if fonts.fallback.is_some() {
            assert!(squash(&text).contains("עברית"), "{text}");
        }
        let list = f.tool("pdffonts", &[]);
        assert_eq!(
            list.lines().skip(2).count(),
            if fonts.fallback.is_some() { 3 } else { 1 },
            "{list}"
        );
    }
}

#[test]
fn a_long_appendix_repeats_its_header_and_loses_no_row() {
    let Some(fonts) = fonts() else { return };
    let rows = 2000;
    let pdf = to_pdf(&sample(true, rows), true, &fonts).unwrap();
    if !have_poppler() {
        return;
    }
    let f = TempPdf::new(&pdf);
    let pages = f.pages();
    // 160 characters in a column of some 27 five-point characters: 6 lines and a
    // padded row of ~96 pt, 6 to 7 rows to a page of 638 pt.
    assert!((250..=400).contains(&pages), "{pages} pages");
    let text = f.text();
    let by_page: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(by_page.len(), pages);
    let first_table_page = by_page.iter().position(|p| p.contains("#1\n")).unwrap();
    for (i, p) in by_page.iter().enumerate().skip(first_table_page) {
        assert!(
            p.contains("编号") && p.contains("摘要"),
            "page {} has no header row: {p}",
            i + 1
        );
    }
    for n in [pages / 2, pages] {
        let p = f.page_text(n);
        assert!(
            p.contains("编号") && p.contains("日期") && p.contains("区县"),
            "{p}"
        );
        assert!(no_space(&p).contains(&format!("—{n}—")), "{p}");
    }
    let mut ids: Vec<usize> = text
        .split_whitespace()
        .filter_map(|w| w.strip_prefix('#')?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), rows, "rows lost");
}

#[test]
fn a_row_taller_than_a_page_is_split_without_losing_text() {
    let Some(fonts) = fonts() else { return };
    let cell: String = (0..900).map(|i| format!("第{i}条记录。")).collect();
    let d = Document {
        title: "长单元格".into(),
        subtitle: String::new(),
        blocks: vec![Block::Table {
            headers: vec!["编号".into(), "内容".into()],
            rows: vec![vec!["#1".into(), cell]],
        }],
    };
    let pdf = to_pdf(&d, true, &fonts).unwrap();
    if !have_poppler() {
        return;
    }
    let f = TempPdf::new(&pdf);
    assert!(f.pages() >= 3);
    // The repeated header row, removed, joins the text up again.
    let flat = squash(&f.text()).replace("编号内容", "");
    for i in 0..900 {
        assert!(flat.contains(&format!("第{i}条记录。")), "record {i} lost");
    }
}

#[test]
fn lines_obey_the_kinsoku_rules_and_break_long_words() {
    let Some(fonts) = fonts() else { return };
    let files = fonts::Files::open(&fonts).unwrap();
    let mut set = FontSet::new(&files, &fonts).unwrap();
    let st = TextStyle {
        weight: Weight::Regular,
        size: 10.0,
        leading: 14.0,
        tracking: 0.0,
    };
    let text = clean(
        "他说：“这件事，我们（社工）已经反映了三次！”《报告》「附件」『说明』指出；问题？是的。English words mixed in, and 2026-03-14.",
    );
    let no_start = "，。、；：？！）》」』";
    let no_end = "（《「『";
    for w in (30..200).step_by(7) {
        let lines = break_lines(&mut set, st, &text, w as f32, w as f32);
        let all: String = lines
            .iter()
            .flat_map(|l| l.glyphs.iter())
            .map(|g| g.cid)
            .map(|c| c.to_string())
            .collect();
        assert!(!all.is_empty());
        for (i, l) in lines.iter().enumerate() {
            assert!(
                l.width <= w as f32 + 0.01 || l.glyphs.len() == 1,
                "line {i} too wide at {w}"
            );
            let first = l.glyphs.first().unwrap();
            let last = l.glyphs.last().unwrap();
            for c in no_start.chars() {
                let g = set.glyph(Weight::Regular, c);
                assert!(
                    i == 0 || first.cid != g.cid || first.font != g.font,
                    "line starts with {c} at {w}"
                );
            }
            for c in no_end.chars() {
                let g = set.glyph(Weight::Regular, c);
                assert!(
                    last.cid != g.cid || last.font != g.font || i == lines.len() - 1,
                    "line ends with {c} at {w}"
                );
            }
        }
    }
    // A word longer than the line is broken anywhere.
    let word = "a".repeat(300);
    let lines = break_lines(&mut set, st, &word, 100.0, 100.0);
    assert!(lines.len() > 10 && lines.iter().all(|l| l.width <= 100.01));
    let total: usize = lines.iter().map(|l| l.glyphs.len()).sum();
    assert_eq!(total, 300);
}

#[test]
fn cleaning_drops_what_has_no_ink() {
    assert_eq!(
        clean("a\u{0}b\u{202E}c\u{200B}d\te\r\nf\u{FE0F}"),
        "abcd e\nf"
    );
}

#[test]
fn the_loader_picks_the_simplified_chinese_face_and_rejects_others() {
    let Some(fonts) = fonts() else { return };
    let data = fonts::map_file(&fonts.regular.path).unwrap();
    let face = ttf_parser::Face::parse(&data, fonts.regular.index).unwrap();
    let family: Vec<String> = face
        .names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::FAMILY)
        .filter_map(|n| n.to_string())
        .collect();
    assert!(family.iter().any(|f| f.ends_with("SC")), "{family:?}");
    assert!(matches!(
        PdfFonts::locate(Some(std::path::Path::new("/nonexistent/font.ttc")), None),
        Err(PdfFontError::Unusable { .. })
    ));
    if let Some(fallback) = &fonts.fallback {
        // A font without Chinese is no CJK font.
        assert!(matches!(
            PdfFonts::locate(Some(&fallback.path), None),
            Err(PdfFontError::Unusable { .. })
        ));
    }
    // Nothing installed: the message the caller shows.
    let none = PdfFonts::search(None, None, [&[], &[], &[]]).unwrap_err();
    assert!(matches!(none, PdfFontError::NoCjkFont));
    assert_eq!(
        none.to_string(),
        "PDF export needs a CJK font: install fonts-noto-cjk or set GROUNDSWELL_PDF_FONT"
    );
    // No bold font: the regular one, stroked.
    let regular = fonts.regular.path.to_str().unwrap();
    let no_bold = PdfFonts::search(None, None, [&[regular], &["/nonexistent.ttc"], &[]]).unwrap();
    assert_eq!(no_bold.bold, fonts.regular);
    assert_eq!(no_bold.fallback, None);
    // Named explicitly, the same file is found again.
    let again = PdfFonts::locate(Some(&fonts.regular.path), Some(&fonts.bold.path)).unwrap();
    assert_eq!(again, fonts);
}

/// The speed target: a briefing with a 2,000-row appendix in well under 2 s. Run in
/// release: `cargo test --release --lib documents::pdf -- --ignored --nocapture`.
/// Leaves samples in /tmp/pdf-samples to look at.
#[test]
#[ignore]
fn a_2000_row_briefing_renders_fast() {
    let fonts = PdfFonts::find().expect("fonts");
    let dir = PathBuf::from("/tmp/pdf-samples");
    std::fs::create_dir_all(&dir).unwrap();
    for chinese in [true, false] {
        let d = sample(chinese, 2000);
        let start = std::time::Instant::now();
        let pdf = to_pdf(&d, chinese, &fonts).unwrap();
        let took = start.elapsed();
        let lang = if chinese { "zh" } else { "en" };
        println!("{lang}: 2000 rows in {took:?}, {} KB", pdf.len() / 1024);
        std::fs::write(dir.join(format!("appendix-{lang}.pdf")), &pdf).unwrap();
        let hostile = to_pdf(&hostile(), chinese, &fonts).unwrap();
        std::fs::write(dir.join(format!("hostile-{lang}.pdf")), &hostile).unwrap();
        let short = to_pdf(&sample(chinese, 12), chinese, &fonts).unwrap();
        println!("{lang}: short briefing {} KB", short.len() / 1024);
        std::fs::write(dir.join(format!("briefing-{lang}.pdf")), &short).unwrap();
        if !cfg!(debug_assertions) {
            assert!(took.as_secs_f32() < 1.0, "{took:?}");
        }
    }
    // What mapping the fonts saves over reading them for each export.
    let status = |k: &str| {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| s.lines().find(|l| l.starts_with(k)).map(str::to_owned))
            .unwrap_or_default()
    };
    println!(
        "after the exports: {} {}",
        status("RssAnon"),
        status("RssFile")
    );
    let start = std::time::Instant::now();
    let read: usize = [&fonts.regular.path, &fonts.bold.path]
        .iter()
        .map(|p| std::fs::read(p).unwrap().len())
        .sum();
    println!(
        "reading the two CJK files instead: {} MB in {:?}",
        read >> 20,
        start.elapsed()
    );
    let start = std::time::Instant::now();
    let files = fonts::Files::open(&fonts).unwrap();
    let _set = FontSet::new(&files, &fonts).unwrap();
    println!("mapping and parsing them: {:?}", start.elapsed());
}
