//! The document model as PDF, with its fonts embedded, so that the Chinese reads the
//! same on any machine. In Chinese it follows the official-document conventions
//! (GB/T 9704) the DOCX uses: A4 with margins of 37/35/28/26 mm, a bold 二号 title,
//! the body in 三号, 22 lines of 28 characters, with a two-character first-line
//! indent, 一、 headings bold (黑体), page numbers "— 1 —" at the foot on the outer
//! side. (一) headings, 楷体 in the standard, are in the body face: Noto has no Kai.
//! Tables and charts are set in 五号 so that long appendices stay readable. Headings
//! become the PDF's bookmarks.
//!
//! The fonts are Noto CJK (fonts-noto-cjk) as subset CID fonts with /W widths and a
//! ToUnicode map, so text can be searched and copied; what they lack comes from
//! DejaVu Sans when it is installed, else shows as the .notdef box. There is no
//! shaping: glyphs come straight from the cmap, and runs of right-to-left letters are
//! only reversed (no bidirectional algorithm, no Arabic joining).

mod fonts;
mod text;

use pdf_writer::types::TextRenderingMode;
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

pub use fonts::{BOLD_FONT_ENV, FONT_ENV, FontFace, PdfFontError, PdfFonts};
use fonts::{FontSet, Weight};
use text::{Line, TextStyle, break_lines, clean, measure};

use crate::domain::briefing::{Block, Document, heading_numbers};

const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 210.0 * MM;
const PAGE_H: f32 = 297.0 * MM;
/// The resource names of the export's fonts, by index.
const FONT_NAMES: [&[u8]; 3] = [b"F0", b"F1", b"F2"];
/// Table cell padding.
const CELL_PAD_X: f32 = 4.0;
const CELL_PAD_Y: f32 = 3.0;
/// The colour of chart bars (the print page's).
const BAR_RGB: (f32, f32, f32) = (0.043, 0.431, 0.310);

/// zlib, as FlateDecode wants it.
fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// The document as PDF bytes. Opens (memory-maps) the font files for the length of
/// this call only.
pub fn to_pdf(d: &Document, chinese: bool, fonts: &PdfFonts) -> anyhow::Result<Vec<u8>> {
    let files = fonts::Files::open(fonts)?;
    let mut set = FontSet::new(&files, fonts)?;
    let (pages, outline) = {
        let mut c = Composer::new(&mut set, chinese);
        c.document(d);
        c.finish()
    };
    write_pdf(d, chinese, &set, pages, &outline)
}

struct Styles {
    title: TextStyle,
    subtitle: TextStyle,
    body: TextStyle,
    h1: TextStyle,
    h2: TextStyle,
    cell: TextStyle,
    head: TextStyle,
    quote: TextStyle,
    source: TextStyle,
    chart_title: TextStyle,
    chart: TextStyle,
    note: TextStyle,
    page_number: TextStyle,
}

fn style(weight: Weight, size: f32, leading: f32) -> TextStyle {
    TextStyle {
        weight,
        size,
        leading,
        tracking: 0.0,
    }
}

impl Styles {
    fn new(chinese: bool, width: f32) -> Styles {
        use Weight::{Bold, Regular};
        if chinese {
            // 三号 on a 28.95 pt grid, set a little tight: the 22 lines of 28 characters
            // a GB/T 9704 page holds (Word does the same with its character grid).
            let tracking = ((width - 28.0 * 16.0) / 28.0).min(0.0);
            let body = TextStyle {
                tracking,
                ..style(Regular, 16.0, 28.95)
            };
            Styles {
                title: style(Bold, 22.0, 34.0),
                subtitle: style(Regular, 16.0, 28.95),
                body,
                h1: TextStyle {
                    weight: Bold,
                    ..body
                },
                h2: body,
                cell: style(Regular, 10.5, 15.0),
                head: style(Bold, 10.5, 15.0),
                quote: style(Regular, 15.0, 26.0),
                source: style(Regular, 10.5, 16.0),
                chart_title: style(Bold, 12.0, 20.0),
                chart: style(Regular, 10.5, 15.0),
                note: style(Regular, 10.5, 15.0),
                page_number: style(Regular, 14.0, 14.0),
            }
        } else {
            let body = style(Regular, 11.5, 16.5);
            Styles {
                title: style(Bold, 18.0, 24.0),
                subtitle: style(Regular, 11.5, 16.5),
                body,
                h1: style(Bold, 13.0, 18.0),
                h2: style(Bold, 11.5, 16.5),
                cell: style(Regular, 9.5, 13.0),
                head: style(Bold, 9.5, 13.0),
                quote: style(Regular, 11.0, 15.5),
                source: style(Regular, 9.5, 13.0),
                chart_title: style(Bold, 10.5, 15.0),
                chart: style(Regular, 9.5, 13.0),
                note: style(Regular, 9.0, 12.5),
                page_number: style(Regular, 9.0, 9.0),
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    /// Left, and stretched to the measure except on a paragraph's last line.
    Justify,
    Centre,
    Right,
}

/// Lays the blocks out on pages, top to bottom, and draws them.
struct Composer<'s, 'a> {
    fonts: &'s mut FontSet<'a>,
    chinese: bool,
    s: Styles,
    /// Margins in points.
    top: f32,
    bottom: f32,
    left: f32,
    right: f32,
    pages: Vec<Content>,
    /// How far down the text area of the current page is filled.
    y: f32,
    /// The headings, for the viewer's bookmarks.
    outline: Vec<Mark>,
}

/// A table's column edges (absolute x, one more than the columns) and styles.
struct TableGeom {
    xs: Vec<f32>,
    cell: TextStyle,
    head: TextStyle,
}

impl TableGeom {
    /// The height of a whole row.
    fn height(&self, cells: &[Vec<Line>], st: TextStyle) -> f32 {
        cells.iter().map(Vec::len).max().unwrap_or(0).max(1) as f32 * st.leading + 2.0 * CELL_PAD_Y
    }
}

/// A heading's place, for the document outline.
struct Mark {
    level: u8,
    title: String,
    page: usize,
    /// PDF y of the top of its line.
    top: f32,
}

impl<'s, 'a> Composer<'s, 'a> {
    fn new(fonts: &'s mut FontSet<'a>, chinese: bool) -> Self {
        let (top, bottom, left, right) = if chinese {
            (37.0 * MM, 35.0 * MM, 28.0 * MM, 26.0 * MM)
        } else {
            (25.0 * MM, 25.0 * MM, 25.0 * MM, 25.0 * MM)
        };
        let mut c = Composer {
            fonts,
            chinese,
            s: Styles::new(chinese, PAGE_W - left - right),
            top,
            bottom,
            left,
            right,
            pages: Vec::new(),
            y: 0.0,
            outline: Vec::new(),
        };
        c.new_page();
        c
    }

    fn width(&self) -> f32 {
        PAGE_W - self.left - self.right
    }

    fn height(&self) -> f32 {
        PAGE_H - self.top - self.bottom
    }

    fn room(&self) -> f32 {
        self.height() - self.y
    }

    fn new_page(&mut self) {
        let mut c = Content::new();
        c.set_line_width(0.5);
        self.pages.push(c);
        self.y = 0.0;
    }

    /// A new page unless `h` fits below what is there (a page never starts empty
    /// because something is too tall: that is placed, and splits, where it is).
    fn need(&mut self, h: f32) {
        if h > self.room() + 0.01 && self.y > 0.0 {
            self.new_page();
        }
    }

    fn space(&mut self, h: f32) {
        if self.y > 0.0 {
            self.y = (self.y + h).min(self.height());
        }
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a page")
    }

    /// PDF's y (from the bottom of the page) of a distance from the top of the text area.
    fn pdf_y(&self, y: f32) -> f32 {
        PAGE_H - self.top - y
    }

    fn lines(&mut self, style: TextStyle, text: &str, first: f32, rest: f32) -> Vec<Line> {
        break_lines(
            self.fonts,
            style,
            &clean(text),
            first.max(1.0),
            rest.max(1.0),
        )
    }

    /// Draws one line whose box starts `top` below the top of the text area, in a
    /// measure from `x` (absolute) `w` wide.
    fn draw_line(&mut self, line: &Line, style: TextStyle, x: f32, w: f32, top: f32, align: Align) {
        let box_top = self.pdf_y(top);
        let synthetic = self.fonts.synthetic_bold;
        let c = self.pages.last_mut().expect("a page");
        draw_text(c, synthetic, line, style, x, w, box_top, align);
    }

    /// A paragraph: lines from `x` (relative to the left margin) `w` wide, the first
    /// indented by `indent`, placed one by one across pages.
    #[allow(clippy::too_many_arguments)]
    fn paragraph(
        &mut self,
        text: &str,
        style: TextStyle,
        x: f32,
        w: f32,
        indent: f32,
        align: Align,
        keep: f32,
    ) {
        let lines = self.lines(style, text, w - indent, w);
        for (i, line) in lines.iter().enumerate() {
            // The first line keeps `keep` points of what follows with it.
            self.need(style.leading + if i == 0 { keep } else { 0.0 });
            let ind = if i == 0 { indent } else { 0.0 };
            let top = self.y;
            self.draw_line(line, style, self.left + x + ind, w - ind, top, align);
            self.y += style.leading;
        }
    }

    fn document(&mut self, d: &Document) {
        let w = self.width();
        let s = &self.s;
        let (title, subtitle, body) = (s.title, s.subtitle, s.body);
        self.paragraph(&d.title, title, 0.0, w, 0.0, Align::Centre, 0.0);
        if !d.subtitle.trim().is_empty() {
            if self.chinese {
                self.space(6.0);
            }
            self.paragraph(&d.subtitle, subtitle, 0.0, w, 0.0, Align::Centre, 0.0);
        }
        // One blank body line between the title and the text.
        self.space(body.leading);
        let numbers = heading_numbers(&d.blocks, self.chinese);
        for (b, n) in d.blocks.iter().zip(&numbers) {
            self.block(b, n);
        }
    }

    fn block(&mut self, b: &Block, number: &str) {
        let w = self.width();
        let zh = self.chinese;
        let indent = if zh {
            2.0 * self.s.body.advance_em()
        } else {
            0.0
        };
        let body = self.s.body;
        match b {
            Block::Heading { level, text } => {
                let st = if *level == 1 { self.s.h1 } else { self.s.h2 };
                if !zh {
                    self.space(if *level == 1 { 10.0 } else { 6.0 });
                }
                // A heading stays with two lines of what follows it.
                let keep = 2.0 * body.leading;
                let text = format!("{number}{text}");
                self.need(st.leading + keep);
                let title: String = clean(&text)
                    .replace('\n', " ")
                    .trim()
                    .chars()
                    .take(200)
                    .collect();
                if !title.is_empty() {
                    self.outline.push(Mark {
                        level: *level,
                        title,
                        page: self.pages.len() - 1,
                        top: self.pdf_y(self.y),
                    });
                }
                self.paragraph(&text, st, 0.0, w, indent, Align::Left, 2.0 * body.leading);
                if !zh {
                    self.space(3.0);
                }
            }
            Block::Paragraph(p) => {
                // Without hyphenation, Latin text justified gets wide gaps: ragged.
                let align = if zh { Align::Justify } else { Align::Left };
                self.paragraph(p, body, 0.0, w, indent, align, 0.0);
                if !zh {
                    self.space(6.0);
                }
            }
            Block::Numbered(items) => self.numbered(items),
            Block::Table { headers, rows } => self.table(headers, rows),
            Block::Quote { text, source } => self.quote(text, source),
            Block::Chart { title, bars, note } => self.chart(title, bars, note.as_deref()),
        }
    }

    /// Numbered items with a hanging indent: the number at the paragraph indent, the
    /// text (all its lines) after it.
    fn numbered(&mut self, items: &[String]) {
        let body = self.s.body;
        let zh = self.chinese;
        let w = self.width();
        let indent = if zh { 2.0 * body.advance_em() } else { 12.0 };
        let label = |i: usize| format!("{}.", i + 1);
        let label_w = (0..items.len())
            .map(|i| text::width(self.fonts, body, &label(i)))
            .fold(0.0, f32::max)
            + body.size * 0.5;
        for (i, item) in items.iter().enumerate() {
            let tx = indent + label_w;
            let lines = self.lines(body, item, w - tx, w - tx);
            let number = self.lines(body, &label(i), label_w, label_w);
            for (k, line) in lines.iter().enumerate() {
                self.need(body.leading);
                let top = self.y;
                if k == 0
                    && let Some(n) = number.first()
                {
                    self.draw_line(n, body, self.left + indent, label_w, top, Align::Left);
                }
                let align = if zh { Align::Justify } else { Align::Left };
                self.draw_line(line, body, self.left + tx, w - tx, top, align);
                self.y += body.leading;
            }
            if !zh {
                self.space(3.0);
            }
        }
        if !zh {
            self.space(3.0);
        }
    }

    fn quote(&mut self, text: &str, source: &str) {
        let zh = self.chinese;
        let (st, src) = (self.s.quote, self.s.source);
        let ind = if zh {
            2.0 * self.s.body.advance_em()
        } else {
            24.0
        };
        let w = self.width() - 2.0 * ind;
        self.space(if zh { 4.0 } else { 2.0 });
        let lines = self.lines(st, text, w, w);
        let align = if zh { Align::Justify } else { Align::Left };
        for line in &lines {
            self.need(st.leading);
            let top = self.y;
            // A grey rule down the left of the quote, drawn line by line so that it
            // follows the quote across a page break.
            let (rx, ry) = (self.left + ind - 8.0, self.pdf_y(top));
            let c = self.page();
            c.save_state();
            c.set_fill_gray(0.6);
            c.rect(rx, ry - st.leading, 1.5, st.leading);
            c.fill_nonzero();
            c.restore_state();
            self.draw_line(line, st, self.left + ind, w, top, align);
            self.y += st.leading;
        }
        if !source.trim().is_empty() {
            let dash = if zh { "—— " } else { "— " };
            let text = format!("{dash}{source}");
            self.space(2.0);
            self.paragraph(&text, src, ind, w, 0.0, Align::Right, 0.0);
        }
        self.space(if zh { 6.0 } else { 8.0 });
    }

    fn table(&mut self, headers: &[String], rows: &[Vec<String>]) {
        let cols = rows
            .iter()
            .map(Vec::len)
            .chain([headers.len()])
            .max()
            .unwrap_or(0);
        if cols == 0 {
            return;
        }
        let (cell, head) = (self.s.cell, self.s.head);
        let widths = self.column_widths(headers, rows, cols, CELL_PAD_X);
        let mut xs = vec![self.left];
        for w in &widths {
            xs.push(xs[xs.len() - 1] + w);
        }
        let t = TableGeom { xs, cell, head };
        let header = headers
            .iter()
            .any(|h| !h.trim().is_empty())
            .then(|| self.table_row(&t, headers, head));
        let header_h = header.as_ref().map_or(0.0, |h| t.height(h, head));
        // A header taller than a quarter page is shown once, not on every page.
        let repeat = header
            .as_deref()
            .filter(|_| header_h <= self.height() / 4.0);
        self.space(if self.chinese { 6.0 } else { 4.0 });
        if let Some(h) = &header {
            // The header with (the start of) the first row.
            let first = rows.first().map_or(0.0, |r| {
                let cells = self.table_row(&t, r, cell);
                t.height(&cells, cell)
            });
            self.need((header_h + first.min(self.height() / 2.0)).min(self.height()));
            self.place_row(&t, h, true, None);
        }
        for r in rows {
            let cells = self.table_row(&t, r, cell);
            self.place_row(&t, &cells, false, repeat);
        }
        self.space(if self.chinese { 10.0 } else { 8.0 });
    }

    /// A row's cells broken into lines.
    fn table_row(&mut self, t: &TableGeom, row: &[String], st: TextStyle) -> Vec<Vec<Line>> {
        (0..t.xs.len() - 1)
            .map(|i| {
                let w = t.xs[i + 1] - t.xs[i] - 2.0 * CELL_PAD_X;
                self.lines(st, row.get(i).map_or("", String::as_str), w, w)
            })
            .collect()
    }

    /// Places a row: on this page if it fits, else on the next (after the header row
    /// again); a row taller than a page starts here, if a few of its lines fit, and is
    /// split by lines. No line is lost.
    fn place_row(
        &mut self,
        t: &TableGeom,
        cells: &[Vec<Line>],
        header: bool,
        repeat: Option<&[Vec<Line>]>,
    ) {
        let st = if header { t.head } else { t.cell };
        let h = t.height(cells, st);
        let repeat_h = repeat.map_or(0.0, |r| t.height(r, t.head));
        let page_room = self.height() - repeat_h;
        let split_here = h > page_room && self.room() >= 2.0 * CELL_PAD_Y + 3.0 * st.leading;
        if h > self.room() + 0.01 && !split_here && self.y > 0.0 {
            self.table_page(t, repeat);
        }
        let total = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let mut from = 0;
        while from < total {
            let fit = ((self.room() - 2.0 * CELL_PAD_Y) / st.leading + 0.001).floor() as usize;
            if fit == 0 && self.y > 0.0 {
                self.table_page(t, repeat);
                continue;
            }
            let n = fit.max(1).min(total - from);
            self.draw_row(t, cells, st, from, n, header);
            from += n;
            if from < total {
                self.table_page(t, repeat);
            }
        }
    }

    /// A new page for a table that goes on, with its header row again.
    fn table_page(&mut self, t: &TableGeom, header: Option<&[Vec<Line>]>) {
        self.new_page();
        if let Some(h) = header {
            self.draw_row(t, h, t.head, 0, usize::MAX, true);
        }
    }

    /// Column widths from the content: columns that fit in an equal share get what they
    /// need on one line; the others share the rest in proportion to their length, never
    /// below their longest word (which gives in only when the table could not fit).
    fn column_widths(
        &mut self,
        headers: &[String],
        rows: &[Vec<String>],
        cols: usize,
        pad: f32,
    ) -> Vec<f32> {
        let avail = self.width();
        let (cell, head) = (self.s.cell, self.s.head);
        let mut min = vec![0.0f32; cols];
        let mut max = vec![0.0f32; cols];
        let mut feed = |i: usize, text: &str, st: TextStyle| {
            let (a, b) = measure(self.fonts, st, &clean(text));
            min[i] = min[i].max(a);
            max[i] = max[i].max(b);
        };
        for (i, h) in headers.iter().enumerate() {
            feed(i, h, head);
        }
        for r in rows {
            for (i, c) in r.iter().enumerate() {
                feed(i, c, cell);
            }
        }
        let cap = avail * 0.4;
        let min: Vec<f32> = min.iter().map(|m| m.min(cap) + 2.0 * pad + 1.0).collect();
        let max: Vec<f32> = max
            .iter()
            .zip(&min)
            .map(|(m, lo)| (m + 2.0 * pad + 1.0).max(*lo))
            .collect();
        let mut w = vec![0.0f32; cols];
        let mut fixed = vec![false; cols];
        let mut remaining = avail;
        loop {
            let free: Vec<usize> = (0..cols).filter(|&i| !fixed[i]).collect();
            if free.is_empty() {
                break;
            }
            let total: f32 = free.iter().map(|&i| max[i]).sum();
            let share = remaining / free.len() as f32;
            let mut changed = false;
            for &i in &free {
                if max[i] <= share {
                    w[i] = max[i];
                    fixed[i] = true;
                    changed = true;
                }
            }
            if changed {
                remaining = avail - w.iter().sum::<f32>();
                continue;
            }
            for &i in &free {
                w[i] = remaining * max[i] / total;
            }
            break;
        }
        // Everything fits: spread what is left so the table spans the measure.
        let used: f32 = w.iter().sum();
        if used < avail {
            let scale = avail / used;
            w.iter_mut().for_each(|x| *x *= scale);
        }
        // Raise columns below their longest word, taking from those above theirs.
        let deficit: f32 = w.iter().zip(&min).map(|(x, m)| (m - x).max(0.0)).sum();
        if deficit > 0.0 {
            let spare: f32 = w.iter().zip(&min).map(|(x, m)| (x - m).max(0.0)).sum();
            let take = (deficit / spare).min(1.0);
            for (x, m) in w.iter_mut().zip(&min) {
                if *x < *m {
                    *x = *m;
                } else {
                    *x -= (*x - m) * take;
                }
            }
            let total: f32 = w.iter().sum();
            if total > avail {
                w.iter_mut().for_each(|x| *x *= avail / total);
            }
        }
        w
    }

    /// Lines `from..from + n` of a table row, at the current position.
    fn draw_row(
        &mut self,
        t: &TableGeom,
        cells: &[Vec<Line>],
        st: TextStyle,
        from: usize,
        n: usize,
        header: bool,
    ) {
        let xs = &t.xs;
        let most = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let shown = n.min(most.saturating_sub(from)).max(1);
        let h = shown as f32 * st.leading + 2.0 * CELL_PAD_Y;
        let top = self.y;
        let (y0, y1) = (self.pdf_y(top + h), self.pdf_y(top));
        let (x0, x1) = (xs[0], xs[xs.len() - 1]);
        if header {
            let c = self.page();
            c.set_fill_gray(0.88);
            c.rect(x0, y0, x1 - x0, y1 - y0);
            c.fill_nonzero();
            c.set_fill_gray(0.0);
        }
        let align = if self.chinese && !header {
            Align::Justify
        } else {
            Align::Left
        };
        for (i, lines) in cells.iter().enumerate() {
            let w = xs[i + 1] - xs[i] - 2.0 * CELL_PAD_X;
            for (k, line) in lines.iter().skip(from).take(shown).enumerate() {
                let lt = top + CELL_PAD_Y + k as f32 * st.leading;
                self.draw_line(line, st, xs[i] + CELL_PAD_X, w, lt, align);
            }
        }
        let c = self.page();
        c.move_to(x0, y1);
        c.line_to(x1, y1);
        c.move_to(x0, y0);
        c.line_to(x1, y0);
        for x in xs.iter().copied() {
            c.move_to(x, y0);
            c.line_to(x, y1);
        }
        c.stroke();
        self.y += h;
    }

    fn chart(&mut self, title: &str, bars: &[(String, Option<usize>)], note: Option<&str>) {
        let w = self.width();
        let zh = self.chinese;
        let (ts, st, ns) = (self.s.chart_title, self.s.chart, self.s.note);
        self.space(6.0);
        let row_h = st.leading + 3.0;
        self.paragraph(title, ts, 0.0, w, 0.0, Align::Left, row_h);
        self.space(3.0);
        let max = bars
            .iter()
            .filter_map(|(_, v)| *v)
            .max()
            .unwrap_or(0)
            .max(1);
        let value = |v: &Option<usize>| v.map_or_else(|| "—".to_string(), |n| n.to_string());
        let label_w = bars
            .iter()
            .map(|(l, _)| measure(self.fonts, st, &clean(l)).1)
            .fold(0.0, f32::max)
            .min(w * 0.35)
            + 8.0;
        let value_w = bars
            .iter()
            .map(|(_, v)| text::width(self.fonts, st, &value(v)))
            .fold(0.0, f32::max)
            + 8.0;
        let bar_x = self.left + label_w;
        let bar_area = (w - label_w - value_w).max(10.0);
        for (label, v) in bars {
            let lines = self.lines(st, label, label_w - 8.0, label_w - 8.0);
            let n_lines = lines.len().max(1);
            // A short label keeps together; a long one goes on line by line.
            self.need((n_lines as f32 * st.leading + 3.0).min(self.height()));
            for k in 0..n_lines {
                let first = k == 0;
                let last = k + 1 == n_lines;
                // 1.5 pt above the first line and below the last.
                let h = st.leading + if first { 1.5 } else { 0.0 } + if last { 1.5 } else { 0.0 };
                self.need(h);
                let top = self.y;
                let lt = top + if first { 1.5 } else { 0.0 };
                if let Some(line) = lines.get(k) {
                    self.draw_line(line, st, self.left, label_w - 8.0, lt, Align::Right);
                }
                let (axis_top, axis_bottom) = (self.pdf_y(top), self.pdf_y(top + h));
                let c = self.page();
                c.move_to(bar_x, axis_top);
                c.line_to(bar_x, axis_bottom);
                c.stroke();
                if first {
                    let bar_w = v.map_or(0.0, |n| {
                        (n as f32 / max as f32 * bar_area).max(if n > 0 { 0.8 } else { 0.0 })
                    });
                    if bar_w > 0.0 {
                        let bar_y = self.pdf_y(lt + st.leading * 0.8);
                        let c = self.page();
                        c.set_fill_rgb(BAR_RGB.0, BAR_RGB.1, BAR_RGB.2);
                        c.rect(bar_x, bar_y, bar_w, st.leading * 0.6);
                        c.fill_nonzero();
                        c.set_fill_gray(0.0);
                    }
                    let v_line = self.lines(st, &value(v), value_w, value_w);
                    if let Some(l) = v_line.first() {
                        self.draw_line(l, st, bar_x + bar_w + 4.0, value_w, lt, Align::Left);
                    }
                }
                self.y += h;
            }
        }
        if let Some(n) = note.filter(|n| !n.trim().is_empty()) {
            self.space(3.0);
            self.paragraph(n, ns, 0.0, w, 0.0, Align::Left, 0.0);
        }
        self.space(if zh { 10.0 } else { 8.0 });
    }

    /// Adds the page numbers, now that their count is known.
    fn finish(mut self) -> (Vec<Content>, Vec<Mark>) {
        let total = self.pages.len();
        let st = self.s.page_number;
        let height = self.height();
        let synthetic = self.fonts.synthetic_bold;
        for i in 0..total {
            let n = i + 1;
            let text = if self.chinese {
                format!("— {n} —")
            } else {
                format!("{n} / {total}")
            };
            let lines = self.lines(st, &text, PAGE_W, PAGE_W);
            let Some(line) = lines.first() else { continue };
            // Below the text area: 7 mm down in GB/T 9704, on the outer side (odd
            // pages right, even pages left, one character in); centred in English.
            let (x, w, align, top) = if self.chinese {
                let align = if n % 2 == 1 {
                    Align::Right
                } else {
                    Align::Left
                };
                let x = self.left + st.size;
                (x, self.width() - 2.0 * st.size, align, height + 7.0 * MM)
            } else {
                let top = height + self.bottom / 2.0 - st.size;
                (self.left, self.width(), Align::Centre, top)
            };
            let box_top = self.pdf_y(top);
            draw_text(
                &mut self.pages[i],
                synthetic,
                line,
                st,
                x,
                w,
                box_top,
                align,
            );
        }
        (self.pages, self.outline)
    }
}

/// Draws one line whose box has its top at PDF `box_top`, in a measure from `x` `w` wide.
#[allow(clippy::too_many_arguments)]
fn draw_text(
    c: &mut Content,
    synthetic_bold: bool,
    line: &Line,
    style: TextStyle,
    x: f32,
    w: f32,
    box_top: f32,
    align: Align,
) {
    if line.glyphs.is_empty() {
        return;
    }
    let slack = w - line.width;
    let mut x = match align {
        Align::Centre => x + (slack / 2.0).max(0.0),
        Align::Right => x + slack.max(0.0),
        _ => x,
    };
    let mut per_gap = 0.0;
    if align == Align::Justify && !line.last && !line.gaps.is_empty() && slack > 0.0 {
        per_gap = slack / line.gaps.len() as f32;
        // A line with a few gaps and much room (a long word pushed to the next
        // line) looks worse stretched than ragged.
        if per_gap > style.size * 0.6 {
            per_gap = 0.0;
        }
    }
    // The em box centred in the line box; Noto CJK's em box is 0.88 above the
    // baseline and 0.12 below.
    let baseline = box_top - (style.leading - style.size) / 2.0 - 0.88 * style.size;
    let size = style.size;
    let adjust = -per_gap * 1000.0 / size;
    let mut is_gap = vec![false; line.glyphs.len() + 1];
    for &g in &line.gaps {
        is_gap[g as usize] = true;
    }
    let synthetic = synthetic_bold && style.weight == Weight::Bold;
    c.begin_text();
    if style.tracking != 0.0 {
        c.set_char_spacing(style.tracking);
    }
    if synthetic {
        c.set_text_rendering_mode(TextRenderingMode::FillStroke);
        c.set_line_width(size * 0.03);
    }
    let glyphs = &line.glyphs;
    let mut k = 0;
    while k < glyphs.len() {
        if k > 0 && is_gap[k] {
            x += per_gap;
        }
        let font = glyphs[k].font;
        let mut end = k;
        let mut pieces: Vec<Vec<u8>> = vec![Vec::new()];
        let mut run_w = 0.0;
        while end < glyphs.len() && glyphs[end].font == font {
            if end > k && is_gap[end] && per_gap > 0.0 {
                pieces.push(Vec::new());
                run_w += per_gap;
            }
            let piece = pieces.last_mut().expect("a piece");
            piece.extend_from_slice(&glyphs[end].cid.to_be_bytes());
            run_w += style.advance(&glyphs[end]);
            end += 1;
        }
        c.set_font(Name(FONT_NAMES[usize::from(font)]), size);
        c.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, baseline]);
        if pieces.len() == 1 {
            c.show(Str(&pieces[0]));
        } else {
            let mut sp = c.show_positioned();
            let mut items = sp.items();
            for (i, p) in pieces.iter().enumerate() {
                if i > 0 {
                    items.adjust(adjust);
                }
                items.show(Str(p));
            }
        }
        x += run_w;
        k = end;
    }
    if synthetic {
        c.set_text_rendering_mode(TextRenderingMode::Fill);
        c.set_line_width(0.5);
    }
    if style.tracking != 0.0 {
        c.set_char_spacing(0.0);
    }
    c.end_text();
}

fn write_pdf(
    d: &Document,
    chinese: bool,
    fonts: &FontSet,
    pages: Vec<Content>,
    outline: &[Mark],
) -> anyhow::Result<Vec<u8>> {
    let mut pdf = Pdf::new();
    let mut next = Ref::new(1);
    let catalog = next.bump();
    let tree = next.bump();
    let info = next.bump();
    let ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (next.bump(), next.bump())).collect();
    let font_refs = fonts.write(&mut pdf, &mut next)?;
    for (content, (page, stream)) in pages.into_iter().zip(&ids) {
        let mut p = pdf.page(*page);
        p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(*stream);
        let mut res = p.resources();
        let mut dict = res.fonts();
        for (i, r) in font_refs.iter().enumerate() {
            if let Some(r) = r {
                dict.pair(Name(FONT_NAMES[i]), *r);
            }
        }
        dict.finish();
        res.finish();
        p.finish();
        let data = deflate(&content.finish());
        pdf.stream(*stream, &data).filter(Filter::FlateDecode);
    }
    pdf.pages(tree)
        .kids(ids.iter().map(|(p, _)| *p))
        .count(ids.len() as i32);
    let page_refs: Vec<Ref> = ids.iter().map(|(p, _)| *p).collect();
    let outline = write_outline(&mut pdf, &mut next, outline, &page_refs);
    let mut cat = pdf.catalog(catalog);
    if let Some(o) = outline {
        cat.outlines(o);
    }
    cat.pages(tree)
        .lang(TextStr(if chinese { "zh-CN" } else { "en" }));
    cat.viewer_preferences().display_doc_title(true);
    cat.finish();
    let title = clean(&d.title).replace('\n', " ");
    let now = chrono::Utc::now();
    use chrono::{Datelike, Timelike};
    let date = Date::new(now.year().clamp(0, 9999) as u16)
        .month(now.month() as u8)
        .day(now.day() as u8)
        .hour(now.hour() as u8)
        .minute(now.minute() as u8)
        .second(now.second() as u8)
        .utc_offset_hour(0);
    pdf.document_info(info)
        .title(TextStr(&title))
        .producer(TextStr("Groundswell"))
        .creation_date(date);
    Ok(pdf.finish())
}

/// Bookmarks: level-1 headings at the top, level-2 under the one before them.
fn write_outline(pdf: &mut Pdf, next: &mut Ref, marks: &[Mark], pages: &[Ref]) -> Option<Ref> {
    if marks.is_empty() {
        return None;
    }
    let root = next.bump();
    let ids: Vec<Ref> = marks.iter().map(|_| next.bump()).collect();
    let mut parent: Vec<Option<usize>> = vec![None; marks.len()];
    let mut top_level = Vec::new();
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); marks.len()];
    let mut last_section = None;
    for (i, m) in marks.iter().enumerate() {
        match last_section {
            Some(p) if m.level > 1 => {
                parent[i] = Some(p);
                kids[p].push(i);
            }
            _ => {
                top_level.push(i);
                if m.level == 1 {
                    last_section = Some(i);
                }
            }
        }
    }
    let mut siblings = vec![top_level.clone()];
    siblings.extend(kids.iter().filter(|k| !k.is_empty()).cloned());
    for list in &siblings {
        for (k, &i) in list.iter().enumerate() {
            let m = &marks[i];
            let mut item = pdf.outline_item(ids[i]);
            item.title(TextStr(&m.title))
                .parent(parent[i].map_or(root, |p| ids[p]));
            if k > 0 {
                item.prev(ids[list[k - 1]]);
            }
            if let Some(&n) = list.get(k + 1) {
                item.next(ids[n]);
            }
            if let (Some(&f), Some(&l)) = (kids[i].first(), kids[i].last()) {
                item.first(ids[f]).last(ids[l]).count(kids[i].len() as i32);
            }
            item.dest().page(pages[m.page]).xyz(0.0, m.top, None);
        }
    }
    let mut o = pdf.outline(root);
    if let (Some(&f), Some(&l)) = (top_level.first(), top_level.last()) {
        o.first(ids[f]).last(ids[l]).count(marks.len() as i32);
    }
    Some(root)
}

#[cfg(test)]
mod tests;
