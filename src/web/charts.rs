//! Charts drawn on the server as SVG, so that pages work on a closed network with no
//! chart script. Every chart is a `<figure>`: a title, the drawing (an image to
//! assistive technology, with a text alternative that says what it shows), and the
//! numbers as a table beside it. Colours come from a palette that stays apart for
//! colour-blind readers (Okabe–Ito), and each series is also named in a legend.

use maud::{Markup, html};

/// Okabe–Ito, without the yellow that is too light on white.
const PALETTE: [&str; 7] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
];

pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// One bar: its label, its value (none when suppressed or unknown, drawn as no bar),
/// and the value as the table shows it ("12", "fewer than 3", "83%").
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    pub shown: String,
    /// Where the row leads (a department's page, say).
    pub href: Option<String>,
}

/// The heads of the table beside a chart: the label column, the value column.
pub struct Heads<'a> {
    pub label: &'a str,
    pub value: &'a str,
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The drawing of a horizontal bar chart alone (the print page uses it; [`bars`] adds
/// the caption and the table).
pub fn bar_svg(id: &str, title: &str, summary: &str, bars: &[Bar]) -> Markup {
    let max = bars
        .iter()
        .filter_map(|b| b.value)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let row_h = 26.0;
    let label_w = 230.0;
    let bar_w = 360.0;
    let width = label_w + bar_w + 90.0;
    let height = row_h * bars.len().max(1) as f64 + 8.0;
    html! {
        svg viewBox=(format!("0 0 {width} {height}")) role="img" aria-labelledby=(format!("{id}-t {id}-d")) preserveAspectRatio="xMinYMin meet" {
            title id=(format!("{id}-t")) { (title) }
            desc id=(format!("{id}-d")) { (summary) }
            @for (i, b) in bars.iter().enumerate() {
                @let y = 4.0 + row_h * i as f64;
                text x=(label_w - 8.0) y=(y + row_h * 0.62) text-anchor="end" class="chart-label" { (truncate(&b.label, 28)) }
                @if let Some(v) = b.value {
                    @let w = (v / max * bar_w).max(if v > 0.0 { 2.0 } else { 0.0 });
                    rect x=(label_w) y=(y + 4.0) width=(format!("{w:.1}")) height=(row_h - 8.0) fill=(colour(0)) rx="2" {}
                    text x=(label_w + w + 6.0) y=(y + row_h * 0.62) class="chart-value" { (b.shown) }
                } @else {
                    text x=(label_w + 6.0) y=(y + row_h * 0.62) class="chart-value muted" { (b.shown) }
                }
            }
        }
    }
}

/// A horizontal bar chart. `summary` is the text alternative: a sentence saying what
/// the chart shows (the largest, the total…).
pub fn bars(id: &str, title: &str, summary: &str, heads: Heads<'_>, bars: &[Bar]) -> Markup {
    html! {
        figure.chart #(id) {
            figcaption { (title) }
            div.chart-body {
                (bar_svg(id, title, summary, bars))
                table.list.chart-table {
                    thead { tr { th scope="col" { (heads.label) } th scope="col" { (heads.value) } } }
                    tbody {
                        @for b in bars {
                            tr {
                                th scope="row" {
                                    @if let Some(h) = &b.href { a href=(h) { (b.label) } } @else { (b.label) }
                                }
                                td.num { (b.shown) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A series of a column chart: its name and one value per column (none: suppressed).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
    /// The values as the table shows them.
    pub shown: Vec<String>,
}

/// Stacked columns over time (findings per month by policy area): one column per
/// label, one colour per series, a legend, and the table of every number.
pub fn stacked_columns(
    id: &str,
    title: &str,
    summary: &str,
    corner: &str,
    labels: &[String],
    series: &[Series],
) -> Markup {
    let n = labels.len().max(1);
    let totals: Vec<f64> = (0..n)
        .map(|c| {
            series
                .iter()
                .filter_map(|s| s.values.get(c).copied().flatten())
                .sum()
        })
        .collect();
    let max = totals.iter().copied().fold(0.0_f64, f64::max).max(1.0);
    let (left, top, plot_h) = (44.0, 10.0, 220.0);
    let col_w = (560.0 / n as f64).clamp(8.0, 48.0);
    let width = left + col_w * n as f64 + 10.0;
    let height = top + plot_h + 48.0;
    let ticks = nice_ticks(max);
    let step_label = (n / 12).max(1);
    let scale = ticks.last().copied().unwrap_or(max).max(1.0);
    // Each column's segments, bottom up.
    let mut rects: Vec<(f64, f64, f64, f64, &str)> = Vec::new();
    for c in 0..labels.len() {
        let x = left + col_w * c as f64 + 1.0;
        let mut base = 0.0;
        for (i, s) in series.iter().enumerate() {
            if let Some(v) = s.values.get(c).copied().flatten() {
                let h = v / scale * plot_h;
                base += v;
                let y = top + plot_h - base / scale * plot_h;
                rects.push((x, y, (col_w - 2.0).max(1.0), h, colour(i)));
            }
        }
    }
    html! {
        figure.chart #(id) {
            figcaption { (title) }
            ul.legend {
                @for (i, s) in series.iter().enumerate() {
                    // An SVG swatch: the page's security policy allows no inline styles.
                    li { svg.swatch viewBox="0 0 10 10" aria-hidden="true" { rect width="10" height="10" rx="2" fill=(colour(i)) {} } " " (s.name) }
                }
            }
            div.chart-body.wide {
                svg viewBox=(format!("0 0 {width} {height}")) role="img" aria-labelledby=(format!("{id}-t {id}-d")) preserveAspectRatio="xMinYMin meet" {
                    title id=(format!("{id}-t")) { (title) }
                    desc id=(format!("{id}-d")) { (summary) }
                    @for t in &ticks {
                        @let y = top + plot_h - t / scale * plot_h;
                        line x1=(left) x2=(width - 10.0) y1=(format!("{y:.1}")) y2=(format!("{y:.1}")) class="chart-grid" {}
                        text x=(left - 6.0) y=(format!("{:.1}", y + 4.0)) text-anchor="end" class="chart-axis" { (fmt(*t)) }
                    }
                    @for (x, y, w, h, fill) in &rects {
                        rect x=(format!("{x:.1}")) y=(format!("{y:.1}")) width=(format!("{w:.1}")) height=(format!("{h:.1}")) fill=(fill) {}
                    }
                    @for c in (0..labels.len()).step_by(step_label) {
                        text x=(format!("{:.1}", left + col_w * c as f64 + col_w / 2.0)) y=(top + plot_h + 16.0) text-anchor="middle" class="chart-axis" { (labels[c]) }
                    }
                    line x1=(left) x2=(width - 10.0) y1=(top + plot_h) y2=(top + plot_h) class="chart-base" {}
                }
            }
            div.table-scroll {
                table.list.chart-table {
                    thead { tr { th scope="col" { (corner) } @for l in labels { th scope="col" { (l) } } } }
                    tbody {
                        @for s in series {
                            tr { th scope="row" { (s.name) } @for v in &s.shown { td.num { (v) } } }
                        }
                    }
                }
            }
        }
    }
}

/// A step chart of a value over time (a policy parameter: 800, then 2,000). `points`
/// are (date, value) in order; the line holds each value until the next.
pub fn steps(
    id: &str,
    title: &str,
    summary: &str,
    heads: Heads<'_>,
    points: &[(chrono::NaiveDate, f64)],
    until: chrono::NaiveDate,
) -> Markup {
    let (left, top, plot_w, plot_h) = (56.0, 14.0, 480.0, 140.0);
    let width = left + plot_w + 30.0;
    let height = top + plot_h + 34.0;
    let first = points.first().map(|p| p.0).unwrap_or(until);
    let span = (until - first).num_days().max(1) as f64;
    let max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max).max(1.0);
    let scale = nice_ticks(max).last().copied().unwrap_or(max).max(1.0);
    let x = |d: chrono::NaiveDate| left + (d - first).num_days() as f64 / span * plot_w;
    let y = |v: f64| top + plot_h - v / scale * plot_h;
    let mut path = String::new();
    for (i, (d, v)) in points.iter().enumerate() {
        let end = points.get(i + 1).map(|p| p.0).unwrap_or(until);
        if i == 0 {
            path.push_str(&format!("M{:.1},{:.1}", x(*d), y(*v)));
        } else {
            path.push_str(&format!(" V{:.1}", y(*v)));
        }
        path.push_str(&format!(" H{:.1}", x(end)));
    }
    html! {
        figure.chart #(id) {
            figcaption { (title) }
            div.chart-body {
                svg viewBox=(format!("0 0 {width} {height}")) role="img" aria-labelledby=(format!("{id}-t {id}-d")) preserveAspectRatio="xMinYMin meet" {
                    title id=(format!("{id}-t")) { (title) }
                    desc id=(format!("{id}-d")) { (summary) }
                    line x1=(left) x2=(left + plot_w) y1=(top + plot_h) y2=(top + plot_h) class="chart-base" {}
                    path d=(path) fill="none" stroke=(colour(0)) stroke-width="3" {}
                    @for (d, v) in points {
                        circle cx=(format!("{:.1}", x(*d))) cy=(format!("{:.1}", y(*v))) r="4" fill=(colour(0)) {}
                        text x=(format!("{:.1}", x(*d) + 6.0)) y=(format!("{:.1}", y(*v) - 8.0)) class="chart-value" { (crate::web::findings::format_amount(*v)) }
                        text x=(format!("{:.1}", x(*d))) y=(top + plot_h + 18.0) text-anchor="middle" class="chart-axis" { (d.format("%Y-%m")) }
                    }
                }
                table.list.chart-table {
                    thead { tr { th scope="col" { (heads.label) } th scope="col" { (heads.value) } } }
                    tbody {
                        @for (d, v) in points {
                            tr { th scope="row" { (d) } td.num { (crate::web::findings::format_amount(*v)) } }
                        }
                    }
                }
            }
        }
    }
}

/// Round steps for an axis up to `max`: 1, 2 or 5 times a power of ten, four or five
/// of them.
pub fn nice_ticks(max: f64) -> Vec<f64> {
    let max = max.max(1.0);
    let raw = (max / 4.0).max(1.0);
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    let mut ticks = Vec::new();
    let mut t = step;
    while t < max + step {
        ticks.push(t);
        t += step;
    }
    ticks
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_get_round_steps() {
        assert_eq!(nice_ticks(10.0), vec![5.0, 10.0]);
        assert_eq!(nice_ticks(37.0), vec![10.0, 20.0, 30.0, 40.0]);
        assert_eq!(nice_ticks(2000.0), vec![500.0, 1000.0, 1500.0, 2000.0]);
        assert_eq!(nice_ticks(0.0), vec![1.0]);
    }

    #[test]
    fn a_bar_chart_has_a_text_alternative_and_its_numbers_beside_it() {
        let m = bars(
            "c1",
            "Findings by district",
            "Cixi has the most: 12.",
            Heads {
                label: "District",
                value: "Findings",
            },
            &[
                Bar {
                    label: "Cixi <b>".into(),
                    value: Some(12.0),
                    shown: "12".into(),
                    href: None,
                },
                Bar {
                    label: "Beilun".into(),
                    value: None,
                    shown: "fewer than 3".into(),
                    href: Some("/x".into()),
                },
            ],
        )
        .into_string();
        assert!(m.contains("role=\"img\"") && m.contains("aria-labelledby=\"c1-t c1-d\""));
        assert!(m.contains("<desc id=\"c1-d\">Cixi has the most: 12.</desc>"));
        assert!(m.contains("Cixi &lt;b&gt;"), "escaped");
        assert_eq!(
            m.matches("<rect").count(),
            1,
            "no bar for a suppressed cell"
        );
        assert!(m.contains("<td class=\"num\">fewer than 3</td>"));
    }

    #[test]
    fn a_step_chart_holds_each_value_until_the_next() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let m = steps(
            "s",
            "Allowance",
            "800 until July 2026, then 2,000.",
            Heads {
                label: "From",
                value: "Yuan",
            },
            &[(d("2025-01-01"), 800.0), (d("2026-07-01"), 2000.0)],
            d("2026-12-31"),
        )
        .into_string();
        assert!(m.contains(" V") && m.contains(" H"), "{m}");
        assert!(m.contains("2,000"));
    }
}
