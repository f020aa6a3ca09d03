//! A single self-contained HTML page: inline CSS, inline SVG charts drawn with plotters,
//! no scripts and no external assets, so it opens in any browser without a network and can
//! be mailed or archived as one file.
//!
//! Charts, for the best classifier of each task (and, folded away, every other one):
//! * a row-normalised confusion-matrix heat map with the counts in the cells;
//! * horizontal per-class F1 bars (mean across folds, whisker ± std).
//!
//! Large label sets stay legible: heat-map cells shrink with the number of classes, labels
//! are abbreviated, counts are only written when a cell is big enough to hold them, and
//! beyond [`MAX_HEATMAP_CLASSES`] classes the map shows the most frequent ones plus an
//! "(other)" column, with a note saying so.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use super::render::{
    confusion_grid, corpus_line, detail_title, folds_grid, leaderboard_grid, per_class_grid,
    timings_grid, top_confusions_grid, Grid, MAX_TEXT_MATRIX, TOP_CONFUSIONS,
};
use super::report::{EvalReport, EvalRun};

/// Classes shown in the heat map before it switches to the most frequent ones: at 40 the
/// cells are still ~15 px wide, readable in colour if too small for counts.
pub const MAX_HEATMAP_CLASSES: usize = 40;
/// Characters kept of a label in the charts.
const CHART_LABEL_CHARS: usize = 22;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html_table(grid: &Grid) -> String {
    let mut s = String::from("<table>\n<thead><tr>");
    for (i, h) in grid.header.iter().enumerate() {
        let class = if grid.is_numeric(i) {
            " class=\"num\""
        } else {
            ""
        };
        s.push_str(&format!("<th{class}>{}</th>", esc(h)));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for (r, row) in grid.rows.iter().enumerate() {
        if grid.emphasis.contains(&r) {
            s.push_str("<tr class=\"em\">");
        } else {
            s.push_str("<tr>");
        }
        for (i, cell) in row.iter().enumerate() {
            let class = if grid.is_numeric(i) {
                " class=\"num\""
            } else {
                ""
            };
            s.push_str(&format!("<td{class}>{}</td>", esc(cell)));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
    s
}

/// A plotters font of `px` CSS pixels (the SVG backend writes size / 1.24).
fn font(px: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, px * 1.24, FontStyle::Normal)
}

/// Approximate rendered width of `text` at `px` (average sans-serif glyph ≈ 0.58 em).
fn text_width(text: &str, px: f64) -> i32 {
    (text.chars().count() as f64 * px * 0.58).ceil() as i32
}

/// Sequential blue scale (light to dark) for shares in [0, 1].
fn heat_color(v: f64) -> RGBColor {
    const STOPS: [(f64, (f64, f64, f64)); 3] = [
        (0.0, (247.0, 251.0, 255.0)),
        (0.5, (107.0, 174.0, 214.0)),
        (1.0, (8.0, 48.0, 107.0)),
    ];
    let v = v.clamp(0.0, 1.0);
    let (lo, hi) = if v <= 0.5 {
        (STOPS[0], STOPS[1])
    } else {
        (STOPS[1], STOPS[2])
    };
    let t = (v - lo.0) / (hi.0 - lo.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(
        mix(lo.1 .0, hi.1 .0),
        mix(lo.1 .1, hi.1 .1),
        mix(lo.1 .2, hi.1 .2),
    )
}

/// Classes to show in the heat map: all, or the most frequent (by support, ties by index)
/// kept in label order.
fn heatmap_classes(run: &EvalRun) -> (Vec<usize>, bool) {
    let n = run.pooled.labels.len();
    if n <= MAX_HEATMAP_CLASSES {
        return ((0..n).collect(), false);
    }
    let mut by_support: Vec<usize> = (0..n).collect();
    by_support.sort_by(|&a, &b| {
        run.pooled.per_class[b]
            .support
            .cmp(&run.pooled.per_class[a].support)
            .then(a.cmp(&b))
    });
    let mut shown: Vec<usize> = by_support[..MAX_HEATMAP_CLASSES].to_vec();
    shown.sort_unstable();
    (shown, true)
}

/// The row-normalised confusion matrix as an SVG heat map with counts in the cells.
fn heatmap_svg(run: &EvalRun) -> Result<(String, Option<String>), Box<dyn std::error::Error>> {
    let labels = &run.pooled.labels;
    let (shown, capped) = heatmap_classes(run);
    let norm = run.pooled.normalized_confusion();
    let counts = &run.pooled.confusion;
    // Columns: the shown classes, plus "(other)" gathering predictions of hidden classes.
    let mut col_names: Vec<String> = shown
        .iter()
        .map(|&c| super::render::abbreviate(&labels[c], CHART_LABEL_CHARS))
        .collect();
    if capped {
        col_names.push("(other)".into());
    }
    let row_names: Vec<String> = shown
        .iter()
        .map(|&c| super::render::abbreviate(&labels[c], CHART_LABEL_CHARS))
        .collect();
    let n_rows = shown.len();
    let n_cols = col_names.len();
    let cell = (560 / n_cols.max(1)).clamp(14, 72) as i32;
    let label_px = (cell as f64 * 0.75).clamp(9.0, 13.0);
    let count_px = (cell as f64 * 0.3).clamp(8.0, 15.0);
    let show_counts = cell >= 22;
    let left = 12
        + row_names
            .iter()
            .map(|l| text_width(l, label_px))
            .max()
            .unwrap_or(0);
    let top = 34;
    let bottom_labels = col_names
        .iter()
        .map(|l| text_width(l, label_px))
        .max()
        .unwrap_or(0);
    let legend_w = 70;
    let width = (left + n_cols as i32 * cell + legend_w + 10).max(360);
    let height = top + n_rows as i32 * cell + 10 + bottom_labels + 28;

    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        root.fill(&WHITE)?;
        root.draw(&Text::new(
            "Confusion matrix (share of each true class; counts in cells)",
            (4, 6),
            TextStyle::from(font(13.0)).pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
        for (r, &t) in shown.iter().enumerate() {
            let hidden: u64 = if capped {
                counts[t]
                    .iter()
                    .enumerate()
                    .filter(|(p, _)| shown.binary_search(p).is_err())
                    .map(|(_, &c)| c)
                    .sum()
            } else {
                0
            };
            let row_total: u64 = counts[t].iter().sum();
            for col in 0..n_cols {
                let (share, count) = match shown.get(col) {
                    Some(&p) => (norm[t][p], counts[t][p]),
                    None => (
                        if row_total == 0 {
                            0.0
                        } else {
                            hidden as f64 / row_total as f64
                        },
                        hidden,
                    ),
                };
                let x0 = left + col as i32 * cell;
                let y0 = top + r as i32 * cell;
                root.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell, y0 + cell)],
                    heat_color(share).filled(),
                ))?;
                root.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell, y0 + cell)],
                    RGBColor(255, 255, 255).stroke_width(1),
                ))?;
                if shown.get(col) == Some(&t) {
                    // Outline the diagonal: those are the correct predictions.
                    root.draw(&Rectangle::new(
                        [(x0 + 1, y0 + 1), (x0 + cell - 1, y0 + cell - 1)],
                        RGBColor(230, 120, 20).stroke_width(if cell >= 22 { 2 } else { 1 }),
                    ))?;
                }
                if show_counts && count > 0 {
                    let fg = if share > 0.5 { WHITE } else { BLACK };
                    root.draw(&Text::new(
                        count.to_string(),
                        (x0 + cell / 2, y0 + cell / 2),
                        TextStyle::from(font(count_px))
                            .color(&fg)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    ))?;
                }
            }
            root.draw(&Text::new(
                row_names[r].clone(),
                (left - 6, top + r as i32 * cell + cell / 2),
                TextStyle::from(font(label_px)).pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        let grid_bottom = top + n_rows as i32 * cell;
        for (c, name) in col_names.iter().enumerate() {
            root.draw(&Text::new(
                name.clone(),
                (left + c as i32 * cell + cell / 2, grid_bottom + 6),
                TextStyle::from(font(label_px))
                    .transform(FontTransform::Rotate270)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        root.draw(&Text::new(
            "predicted →   (rows: true class ↓)",
            (left, grid_bottom + 10 + bottom_labels + 4),
            TextStyle::from(font(12.0)).pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
        // Colour legend: 0 at the bottom, 1 at the top.
        let lx = left + n_cols as i32 * cell + 16;
        let lh = (n_rows as i32 * cell).clamp(80, 240);
        let steps = 24;
        for i in 0..steps {
            let y1 = top + lh - i * lh / steps;
            let y0 = top + lh - (i + 1) * lh / steps;
            root.draw(&Rectangle::new(
                [(lx, y0), (lx + 14, y1)],
                heat_color((i as f64 + 0.5) / steps as f64).filled(),
            ))?;
        }
        for (v, y) in [("1.0", top), ("0.5", top + lh / 2), ("0.0", top + lh)] {
            root.draw(&Text::new(
                v,
                (lx + 18, y),
                TextStyle::from(font(11.0)).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        root.present()?;
    }
    let note = capped.then(|| {
        format!(
            "The heat map shows the {} most frequent of {} classes; the “(other)” column gathers \
             predictions of the remaining classes, and each row is normalised over all its \
             predictions. Every class is in the tables.",
            shown.len(),
            labels.len()
        )
    });
    Ok((svg, note))
}

/// Per-class F1 as horizontal bars: mean across folds, whisker ± std, sorted best first.
fn f1_bars_svg(run: &EvalRun) -> Result<String, Box<dyn std::error::Error>> {
    let labels = &run.pooled.labels;
    let f1 = &run.summary.per_class_f1;
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by(|&a, &b| f1[b].mean.total_cmp(&f1[a].mean).then(a.cmp(&b)));
    let names: Vec<String> = order
        .iter()
        .map(|&c| super::render::abbreviate(&labels[c], CHART_LABEL_CHARS))
        .collect();
    let step: i32 = if labels.len() > 40 { 15 } else { 24 };
    let label_px = if labels.len() > 40 { 11.0 } else { 13.0 };
    let bar_h = step - if step > 20 { 8 } else { 4 };
    let left = 12
        + names
            .iter()
            .map(|l| text_width(l, label_px))
            .max()
            .unwrap_or(0);
    let plot_w: i32 = 340;
    let top = 34;
    let width = left + plot_w + 60;
    let height = top + step * labels.len() as i32 + 30;

    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        root.fill(&WHITE)?;
        root.draw(&Text::new(
            "Per-class F1 (mean across folds, whisker ± std)",
            (4, 6),
            TextStyle::from(font(13.0)).pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
        let bottom = top + step * labels.len() as i32;
        let x_of = |v: f64| left + (v.clamp(0.0, 1.0) * plot_w as f64).round() as i32;
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let x = x_of(tick);
            root.draw(&PathElement::new(
                vec![(x, top - 4), (x, bottom)],
                RGBColor(215, 215, 215).stroke_width(1),
            ))?;
            root.draw(&Text::new(
                format!("{tick:.2}"),
                (x, bottom + 4),
                TextStyle::from(font(11.0)).pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
        let bar = RGBColor(76, 120, 168);
        let whisker = RGBColor(40, 40, 40);
        for (i, &c) in order.iter().enumerate() {
            let y = top + i as i32 * step;
            let yc = y + step / 2;
            let m = f1[c];
            root.draw(&Rectangle::new(
                [
                    (left, yc - bar_h / 2),
                    (x_of(m.mean).max(left + 1), yc + bar_h / 2),
                ],
                bar.filled(),
            ))?;
            if m.std > 0.0 {
                let (a, b) = (x_of(m.mean - m.std), x_of(m.mean + m.std));
                root.draw(&PathElement::new(
                    vec![(a, yc), (b, yc)],
                    whisker.stroke_width(1),
                ))?;
                for x in [a, b] {
                    root.draw(&PathElement::new(
                        vec![(x, yc - bar_h / 3), (x, yc + bar_h / 3)],
                        whisker.stroke_width(1),
                    ))?;
                }
            }
            root.draw(&Text::new(
                names[i].clone(),
                (left - 6, yc),
                TextStyle::from(font(label_px)).pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
            root.draw(&Text::new(
                format!("{:.3}", m.mean),
                (x_of((m.mean + m.std).min(1.0)) + 5, yc),
                TextStyle::from(font(label_px - 1.0)).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        root.present()?;
    }
    Ok(svg)
}

fn chart_or_note(result: Result<String, Box<dyn std::error::Error>>) -> String {
    match result {
        Ok(svg) => format!("<figure>{svg}</figure>\n"),
        Err(e) => format!(
            "<p class=\"note\">chart unavailable: {}</p>\n",
            esc(&e.to_string())
        ),
    }
}

/// Charts and tables of one run.
fn run_details(run: &EvalRun) -> String {
    let mut s = String::from("<div class=\"charts\">\n");
    s.push_str(&chart_or_note(f1_bars_svg(run)));
    let mut heat_note = None;
    s.push_str(&chart_or_note(heatmap_svg(run).map(|(svg, note)| {
        heat_note = note;
        svg
    })));
    s.push_str("</div>\n");
    if let Some(note) = heat_note {
        s.push_str(&format!("<p class=\"note\">{}</p>\n", esc(&note)));
    }
    s.push_str("<h4>Per-class figures (pooled out-of-fold predictions)</h4>\n");
    s.push_str(&html_table(&per_class_grid(run)));
    if run.pooled.labels.len() <= MAX_TEXT_MATRIX {
        s.push_str("<h4>Confusion matrix (rows = true, columns = predicted)</h4>\n");
        s.push_str(&html_table(&confusion_grid(run)));
    } else {
        s.push_str(&format!(
            "<h4>Most frequent confusions ({} classes)</h4>\n",
            run.pooled.labels.len()
        ));
        s.push_str(&html_table(&top_confusions_grid(run, TOP_CONFUSIONS)));
    }
    s.push_str("<h4>Folds</h4>\n");
    s.push_str(&html_table(&folds_grid(run)));
    s.push_str("<details><summary>Settings of this run</summary><pre>");
    s.push_str(&esc(
        &serde_json::to_string_pretty(&run.settings).unwrap_or_default()
    ));
    s.push_str("</pre></details>\n");
    s
}

const CSS: &str = r#"
:root { color-scheme: light; }
body { font-family: -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Helvetica, Arial, sans-serif;
  margin: 24px auto; max-width: 1150px; padding: 0 16px; color: #1f2328; background: #fff; line-height: 1.4; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 21px; border-bottom: 2px solid #d0d7de; padding-bottom: 4px; margin-top: 36px; }
h3 { font-size: 17px; margin: 22px 0 8px; }
h4 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #57606a; margin: 2px 0; }
.warn { background: #fff8c5; border: 1px solid #d4a72c; padding: 8px 12px; border-radius: 6px; }
.warn ul { margin: 4px 0; padding-left: 20px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13.5px; }
th, td { border: 1px solid #d0d7de; padding: 4px 9px; text-align: left; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.em td { font-weight: 600; background: #eef6ee; }
tbody tr:nth-child(even):not(.em) td { background: #fafbfc; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
figure { margin: 0; border: 1px solid #d0d7de; border-radius: 6px; padding: 6px; background: #fff; }
figure svg { display: block; max-width: 100%; height: auto; }
.note { color: #57606a; font-size: 13px; }
details { margin: 8px 0; }
summary { cursor: pointer; font-weight: 600; }
pre { background: #f6f8fa; padding: 8px; border-radius: 6px; overflow-x: auto; font-size: 12.5px; }
"#;

/// One self-contained HTML page with every table of the terminal report, plus a per-class
/// F1 bar chart and a confusion heat map for each task's best classifier (the other
/// classifiers' details are in collapsed `<details>` blocks, which need no script).
pub fn render_html(report: &EvalReport) -> String {
    let mut s =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    s.push_str("<title>textclf evaluation report</title>\n<style>");
    s.push_str(CSS);
    s.push_str("</style>\n</head>\n<body>\n<h1>Evaluation report</h1>\n");
    s.push_str(&format!(
        "<p class=\"meta\">{}</p>\n",
        esc(&corpus_line(report))
    ));
    let mut made = format!("Made by {}", esc(&report.tool));
    if let Some(created) = &report.created {
        made.push_str(&format!(" on {}", esc(created)));
    }
    s.push_str(&format!(
        "<p class=\"meta\">{made}. Scores are mean ± std across folds (std with ddof = 0).</p>\n"
    ));
    if !report.warnings.is_empty() {
        s.push_str("<div class=\"warn\"><strong>Warnings</strong><ul>\n");
        for w in &report.warnings {
            s.push_str(&format!("<li>{}</li>\n", esc(w)));
        }
        s.push_str("</ul></div>\n");
    }
    for board in report.leaderboard() {
        s.push_str(&format!("<section>\n<h2>Task: {}</h2>\n", esc(board.task)));
        s.push_str("<h3>Leaderboard</h3>\n");
        s.push_str(&html_table(&leaderboard_grid(&board)));
        let best = board.runs[0];
        s.push_str(&format!("<h3>{}</h3>\n", esc(&detail_title(best))));
        s.push_str(&run_details(best));
        s.push_str("<h3>Timings per stage (wall clock)</h3>\n");
        s.push_str(&html_table(&timings_grid(&board)));
        for other in &board.runs[1..] {
            s.push_str(&format!(
                "<details><summary>{} — details</summary>\n",
                esc(&other.classifier)
            ));
            s.push_str(&run_details(other));
            s.push_str("</details>\n");
        }
        s.push_str("</section>\n");
    }
    s.push_str("<details><summary>Evaluation settings</summary><pre>");
    s.push_str(&esc(
        &serde_json::to_string_pretty(&report.settings).unwrap_or_default()
    ));
    s.push_str("</pre></details>\n</body>\n</html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::render::tests::sample_report;
    use crate::eval::report::{FoldResult, Timings};

    #[test]
    fn page_is_self_contained_and_has_the_figures() {
        let r = sample_report();
        let html = render_html(&r);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(!html.contains("<script"));
        assert!(
            !html.contains("http://") && !html.contains("https://") || {
                // The only URLs allowed are SVG namespace declarations.
                html.matches("http").count() == html.matches("http://www.w3.org/2000/svg").count()
            }
        );
        assert_eq!(html.matches("<svg").count(), 6, "2 charts × 3 runs");
        let best = &r.leaderboard()[0].runs[0];
        assert!(html.contains(&crate::eval::render::mean_std(&best.summary.macro_f1)));
        assert!(
            html.contains("sport | games"),
            "labels are escaped, not dropped"
        );
        assert!(html.contains("<details><summary>nb — details</summary>"));
        assert!(html.contains("Confusion matrix (share of each true class"));
    }

    #[test]
    fn many_classes_are_capped_with_a_note() {
        let labels: Vec<String> = (0..108)
            .map(|i| format!("topic_number_{i:03}_long_name"))
            .collect();
        let y: Vec<usize> = (0..2000).map(|i| (i * i + i) % 108).collect();
        let p: Vec<usize> = y
            .iter()
            .enumerate()
            .map(|(i, &c)| if i % 4 == 0 { (c + 5) % 108 } else { c })
            .collect();
        let f = FoldResult::new(0, 10, &y, &p, &labels, Timings::default()).unwrap();
        let pooled = f.report.clone();
        let run = EvalRun::new("topic", "x", serde_json::Value::Null, vec![f], pooled);
        let (svg, note) = heatmap_svg(&run).unwrap();
        assert!(note.unwrap().contains("40 most frequent of 108"));
        assert!(svg.contains("(other)"));
        assert!(
            svg.contains("topic_number_…ong_name"),
            "middle cut, both ends kept"
        );
        assert!(
            !svg.contains("topic_number_000_long_name"),
            "chart labels are abbreviated"
        );
        let bars = f1_bars_svg(&run).unwrap();
        // Every class has a bar label.
        assert_eq!(bars.matches("topic_number_").count(), 108);
    }

    #[test]
    fn heat_colors_span_light_to_dark() {
        let RGBColor(r0, g0, b0) = heat_color(0.0);
        let RGBColor(r1, g1, b1) = heat_color(1.0);
        assert!(r0 > 240 && g0 > 240 && b0 > 250);
        assert!(r1 < 20 && g1 < 60 && b1 < 120);
    }
}
