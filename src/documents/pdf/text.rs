//! Text into lines: characters the page should not show are dropped, glyphs looked up,
//! and lines broken where UAX #14 allows (between Han characters, after spaces, never
//! before ，。、；：？！）》」』 nor after （《「『), with a word longer than the line broken
//! anywhere. Greedy and linear in the length of the text.

use unicode_linebreak::{BreakOpportunity, linebreaks};

use super::fonts::{FontSet, Glyph, Weight};

/// Characters with no ink that would only show as .notdef boxes or, like the
/// direction overrides, have no meaning without a bidirectional layout: control
/// characters (tabs and line separators become spaces and line breaks first), format
/// characters, variation selectors, tags.
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}')
}

/// The text as it will be set: `\n` for each line break, the rest visible.
pub(super) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\u{2028}' | '\u{2029}' | '\u{0B}' | '\u{0C}' | '\u{85}' => out.push('\n'),
            '\t' => out.push(' '),
            c if invisible(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// A font, a size, the distance between baselines and the space added after each
/// character (PDF's Tc, usually 0), in points.
#[derive(Debug, Clone, Copy)]
pub(super) struct TextStyle {
    pub weight: Weight,
    pub size: f32,
    pub leading: f32,
    pub tracking: f32,
}

impl TextStyle {
    /// The width a full-width (one em) character takes: "two characters" of indent.
    pub fn advance_em(&self) -> f32 {
        self.size + self.tracking
    }

    /// The width a glyph takes in this style.
    pub fn advance(&self, g: &Glyph) -> f32 {
        g.advance * self.size + self.tracking
    }
}

/// One line, ready to draw.
#[derive(Debug, Clone, Default)]
pub(super) struct Line {
    pub glyphs: Vec<Glyph>,
    /// Natural width in points, trailing spaces not counted.
    pub width: f32,
    /// Glyph indices before which the line may be stretched when justified (its
    /// break opportunities).
    pub gaps: Vec<u32>,
    /// The last line of a paragraph (or before a line break): never justified.
    pub last: bool,
}

/// Kinsoku: no line starts with these…
const NO_START: &str = "，。、；：？！）》」』〕】〉”’…—・,.;:?!)]}%";
/// …or ends with these.
const NO_END: &str = "（《「『〔【〈“‘([{";

struct Prepared {
    chars: Vec<char>,
    glyphs: Vec<Glyph>,
    space: Vec<bool>,
    /// May break before character i.
    allowed: Vec<bool>,
}

fn prepare(fonts: &mut FontSet, weight: Weight, s: &str) -> Prepared {
    let n = s.chars().count();
    let mut chars = Vec::with_capacity(n);
    let mut glyphs = Vec::with_capacity(n);
    let mut space = Vec::with_capacity(n);
    let mut byte_to_char = Vec::with_capacity(n + 1);
    for (b, c) in s.char_indices() {
        byte_to_char.push(b);
        chars.push(c);
        glyphs.push(fonts.glyph(weight, c));
        space.push(c.is_whitespace());
    }
    byte_to_char.push(s.len());
    let mut allowed = vec![false; n + 1];
    let mut ci = 0;
    for (b, op) in linebreaks(s) {
        while ci < n && byte_to_char[ci] < b {
            ci += 1;
        }
        // Line breaks were split off before; any other mandatory break is a break.
        if matches!(op, BreakOpportunity::Allowed | BreakOpportunity::Mandatory) {
            allowed[ci] = true;
        }
    }
    Prepared {
        chars,
        glyphs,
        space,
        allowed,
    }
}

/// Breaks cleaned text into lines: `first` is the width of the first line, `rest` of
/// the others. Empty text gives no lines.
pub(super) fn break_lines(
    fonts: &mut FontSet,
    style: TextStyle,
    text: &str,
    first: f32,
    rest: f32,
) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    for hard in text.split('\n') {
        if hard.trim().is_empty() {
            continue;
        }
        let p = prepare(fonts, style.weight, hard);
        let n = p.glyphs.len();
        let adv = |i: usize| style.advance(&p.glyphs[i]);
        let mut start = 0;
        while start < n && p.space[start] {
            start += 1;
        }
        let mut i = start;
        let mut width = 0.0f32;
        let mut ink = 0.0f32; // width without trailing spaces
        let mut last_break: Option<usize> = None;
        let push = |lines: &mut Vec<Line>, from: usize, to: usize, w: f32, last: bool| {
            let mut to = to;
            while to > from && p.space[to - 1] {
                to -= 1;
            }
            let mut glyphs = p.glyphs[from..to].to_vec();
            let runs = rtl_runs(&p.chars[from..to]);
            for r in &runs {
                glyphs[r.clone()].reverse();
            }
            // No stretching inside a reversed run.
            let mut inside = vec![false; to - from + 1];
            for r in &runs {
                inside[r.start + 1..r.end]
                    .iter_mut()
                    .for_each(|x| *x = true);
            }
            let gaps = (from + 1..to)
                .filter(|&k| p.allowed[k] && !inside[k - from])
                .map(|k| (k - from) as u32)
                .collect();
            lines.push(Line {
                glyphs,
                width: w,
                gaps,
                last,
            });
        };
        while i < n {
            let avail = if lines.is_empty() { first } else { rest };
            if i > start && p.allowed[i] {
                last_break = Some(i);
            }
            let w = adv(i);
            if !p.space[i] && i > start && width + w > avail + 0.01 {
                // Overflow: break at the last opportunity, else (a word longer than
                // the line) right here.
                let at = match last_break {
                    Some(b) if b > start => b,
                    _ => {
                        // Where possible not next to punctuation that kinsoku binds.
                        let mut at = i;
                        while at > start + 1
                            && (NO_START.contains(p.chars[at]) || NO_END.contains(p.chars[at - 1]))
                        {
                            at -= 1;
                        }
                        if at == start + 1 { i } else { at }
                    }
                };
                let w_at = ink_width(&p, start, at, style);
                push(&mut lines, start, at, w_at, false);
                start = at;
                while start < n && p.space[start] {
                    start += 1;
                }
                // Measure again from the new start (each character is measured a
                // bounded number of times).
                i = start;
                width = 0.0;
                ink = 0.0;
                last_break = None;
                continue;
            }
            width += w;
            if !p.space[i] {
                ink = width;
            }
            i += 1;
        }
        if start < n {
            push(&mut lines, start, n, ink, true);
        } else if let Some(l) = lines.last_mut() {
            l.last = true;
        }
    }
    lines
}

fn right_to_left(c: char) -> bool {
    matches!(c,
        '\u{0590}'..='\u{08FF}'
        | '\u{FB1D}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFE}'
        | '\u{10800}'..='\u{10FFF}'
        | '\u{1E800}'..='\u{1EFFF}')
}

/// Runs of Hebrew, Arabic and other right-to-left letters (with the spaces and marks
/// between them), to be drawn in reverse. Not the full bidirectional algorithm, but
/// enough for a name or a phrase to read the right way (and extract in order).
fn rtl_runs(chars: &[char]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        if !right_to_left(chars[k]) {
            k += 1;
            continue;
        }
        let start = k;
        let mut end = k + 1;
        let mut j = k + 1;
        while j < chars.len()
            && (right_to_left(chars[j]) || chars[j].is_whitespace() || is_mark(chars[j]))
        {
            j += 1;
            if right_to_left(chars[j - 1]) || is_mark(chars[j - 1]) {
                end = j;
            }
        }
        runs.push(start..end);
        k = end;
    }
    runs
}

/// Combining marks, roughly: they stay after their base when a run is reversed only
/// in fonts that position them, which without shaping none do, so they are reversed
/// along with it.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{20D0}'..='\u{20FF}')
}

/// The width of characters `from..to`, trailing spaces not counted.
fn ink_width(p: &Prepared, from: usize, to: usize, style: TextStyle) -> f32 {
    let mut to = to;
    while to > from && p.space[to - 1] {
        to -= 1;
    }
    p.glyphs[from..to].iter().map(|g| style.advance(g)).sum()
}

/// The width of the text on one line (`max`, widest line break kept) and its widest
/// unbreakable piece (`min`), in points: what a table column would like and needs.
pub(super) fn measure(fonts: &mut FontSet, style: TextStyle, text: &str) -> (f32, f32) {
    let (mut min, mut max) = (0.0f32, 0.0f32);
    for hard in text.split('\n') {
        let p = prepare(fonts, style.weight, hard);
        let (mut line, mut piece, mut piece_ink) = (0.0f32, 0.0f32, 0.0f32);
        for i in 0..p.glyphs.len() {
            if p.allowed[i] && i > 0 {
                min = min.max(piece_ink);
                piece = 0.0;
                piece_ink = 0.0;
            }
            let w = style.advance(&p.glyphs[i]);
            line += w;
            piece += w;
            if !p.space[i] {
                piece_ink = piece;
            }
        }
        min = min.max(piece_ink);
        max = max.max(line);
    }
    (min, max)
}

/// The natural width of a short text on one line, in points.
pub(super) fn width(fonts: &mut FontSet, style: TextStyle, text: &str) -> f32 {
    text.chars()
        .map(|c| style.advance(&fonts.glyph(style.weight, c)))
        .sum()
}
