//! Text renderings of an [`EvalReport`]: terminal tables, GitHub Markdown and JSON.
//!
//! The terminal, Markdown and HTML outputs share one content model: the table builders
//! here produce `Grid`s (header, rows, alignment), and each renderer only decides how
//! to draw them, so the three always show the same figures with the same rounding.

use comfy_table::{presets, Attribute, Cell, CellAlignment, Color, ContentArrangement, Table};
use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::report::{EvalReport, EvalRun, MeanStd, TaskBoard};

/// Decimal places of every score in the rendered tables (JSON keeps full precision).
pub(crate) const DIGITS: usize = 4;
/// Up to this many classes the confusion matrix is printed in full in text outputs;
/// beyond, a terminal or a Markdown page cannot show it legibly and the most frequent
/// confusions are listed instead (the full matrix stays in the JSON and the HTML heat map).
pub(crate) const MAX_TEXT_MATRIX: usize = 20;
/// How many confusions the list shows when the matrix is too large.
pub(crate) const TOP_CONFUSIONS: usize = 20;

/// One table: the shared content model of all renderers.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Right-align this column (numbers).
    pub numeric: Vec<bool>,
    /// Rows to emphasise (the best run, the summary rows).
    pub emphasis: Vec<usize>,
}

impl Grid {
    /// Whether column `c` holds numbers: right-aligned, and never wrapped to fit a terminal.
    pub(crate) fn is_numeric(&self, c: usize) -> bool {
        self.numeric.get(c).copied().unwrap_or(false)
    }
}

pub(crate) fn score(x: f64) -> String {
    format!("{x:.DIGITS$}")
}

pub(crate) fn mean_std(m: &MeanStd) -> String {
    format!("{:.DIGITS$} ± {:.DIGITS$}", m.mean, m.std)
}

pub(crate) fn seconds(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.3}")
    } else {
        format!("{s:.1}")
    }
}

/// Shortens a label for charts and matrix headers by cutting out its middle, so both the
/// start and the end survive (labels such as `immigration_2019` / `immigration_2020`
/// often differ only at the end).
pub(crate) fn abbreviate(label: &str, max_chars: usize) -> String {
    let chars: Vec<char> = label.chars().collect();
    if chars.len() <= max_chars || max_chars < 4 {
        return label.to_string();
    }
    let keep = max_chars - 1;
    let tail = keep * 2 / 5;
    let head = keep - tail;
    let mut s: String = chars[..head].iter().collect();
    s.push('…');
    s.extend(&chars[chars.len() - tail..]);
    s
}

/// Ranking of one task: mean ± std across folds of the headline figures, best first.
pub(crate) fn leaderboard_grid(board: &TaskBoard<'_>) -> Grid {
    let has_fnc = board.runs.iter().any(|r| r.summary.fnc_score.is_some());
    let mut header: Vec<String> = [
        "#",
        "classifier",
        "macro-F1",
        "accuracy",
        "weighted-F1",
        "micro-F1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if has_fnc {
        header.push("FNC score".into());
    }
    header.push("s / fold".into());
    let rows = board
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let s = &r.summary;
            let mut row = vec![
                (i + 1).to_string(),
                r.classifier.clone(),
                mean_std(&s.macro_f1),
                mean_std(&s.accuracy),
                mean_std(&s.weighted_f1),
                mean_std(&s.micro_f1),
            ];
            if has_fnc {
                row.push(
                    s.fnc_score
                        .as_ref()
                        .map_or("—".into(), |m| format!("{:.2} ± {:.2}", m.mean, m.std)),
                );
            }
            row.push(seconds(s.timings_mean.total_s()));
            row
        })
        .collect();
    let mut numeric = vec![true; header.len()];
    numeric[1] = false;
    Grid {
        header,
        rows,
        numeric,
        emphasis: vec![0],
    }
}

/// Per-class precision/recall/F1/support over the pooled out-of-fold predictions, with
/// the across-fold F1 mean ± std, then the accuracy and the three averages.
pub(crate) fn per_class_grid(run: &EvalRun) -> Grid {
    let header: Vec<String> = [
        "class",
        "precision",
        "recall",
        "F1",
        "support",
        "F1 across folds",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let p = &run.pooled;
    let mut rows: Vec<Vec<String>> = p
        .labels
        .iter()
        .zip(&p.per_class)
        .enumerate()
        .map(|(c, (label, m))| {
            vec![
                label.clone(),
                score(m.precision),
                score(m.recall),
                score(m.f1),
                m.support.to_string(),
                run.summary
                    .per_class_f1
                    .get(c)
                    .map_or(String::new(), mean_std),
            ]
        })
        .collect();
    let first_summary = rows.len();
    let n = p.n_samples().to_string();
    rows.push(vec![
        "accuracy".into(),
        String::new(),
        String::new(),
        score(p.accuracy),
        n,
        mean_std(&run.summary.accuracy),
    ]);
    for (name, m, across) in [
        ("macro avg", &p.macro_avg, &run.summary.macro_f1),
        ("weighted avg", &p.weighted_avg, &run.summary.weighted_f1),
        ("micro avg", &p.micro_avg, &run.summary.micro_f1),
    ] {
        rows.push(vec![
            name.into(),
            score(m.precision),
            score(m.recall),
            score(m.f1),
            m.support.to_string(),
            mean_std(across),
        ]);
    }
    if let (Some(pooled), Some(across)) = (run.pooled_fnc_score, run.summary.fnc_score) {
        rows.push(vec![
            "FNC score".into(),
            String::new(),
            String::new(),
            format!("{pooled:.2}"),
            p.n_samples().to_string(),
            format!("{:.2} ± {:.2}", across.mean, across.std),
        ]);
    }
    let emphasis = (first_summary..rows.len()).collect();
    Grid {
        header,
        rows,
        numeric: vec![false, true, true, true, true, true],
        emphasis,
    }
}

/// The pooled confusion matrix with counts (rows = true, columns = predicted).
pub(crate) fn confusion_grid(run: &EvalRun) -> Grid {
    let labels = &run.pooled.labels;
    let mut header = vec!["true \\ predicted".to_string()];
    header.extend(labels.iter().map(|l| abbreviate(l, 12)));
    let rows = labels
        .iter()
        .zip(&run.pooled.confusion)
        .map(|(l, row)| {
            let mut r = vec![l.clone()];
            r.extend(row.iter().map(|c| c.to_string()));
            r
        })
        .collect();
    let mut numeric = vec![true; header.len()];
    numeric[0] = false;
    Grid {
        header,
        rows,
        numeric,
        emphasis: vec![],
    }
}

/// The most frequent off-diagonal cells, for label sets too large for a matrix.
pub(crate) fn top_confusions_grid(run: &EvalRun, top: usize) -> Grid {
    let labels = &run.pooled.labels;
    let norm = run.pooled.normalized_confusion();
    let mut cells: Vec<(u64, usize, usize)> = Vec::new();
    for (t, row) in run.pooled.confusion.iter().enumerate() {
        for (p, &c) in row.iter().enumerate() {
            if t != p && c > 0 {
                cells.push((c, t, p));
            }
        }
    }
    // Largest first; ties in index order so the list is deterministic.
    cells.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let rows = cells
        .iter()
        .take(top)
        .map(|&(c, t, p)| {
            vec![
                labels[t].clone(),
                labels[p].clone(),
                c.to_string(),
                format!("{:.1}%", 100.0 * norm[t][p]),
            ]
        })
        .collect();
    Grid {
        header: ["true", "predicted as", "count", "share of true class"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
        numeric: vec![false, false, true, true],
        emphasis: vec![],
    }
}

/// Figures of each fold of one run.
pub(crate) fn folds_grid(run: &EvalRun) -> Grid {
    let has_fnc = run.folds.iter().any(|f| f.fnc_score.is_some());
    let mut header: Vec<String> = [
        "fold",
        "train",
        "test",
        "accuracy",
        "macro-F1",
        "weighted-F1",
        "vectorize s",
        "fit s",
        "predict s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if has_fnc {
        header.insert(6, "FNC score".into());
    }
    let rows = run
        .folds
        .iter()
        .map(|f| {
            let mut row = vec![
                f.fold.to_string(),
                f.n_train.to_string(),
                f.n_test.to_string(),
                score(f.report.accuracy),
                score(f.report.macro_avg.f1),
                score(f.report.weighted_avg.f1),
                seconds(f.timings.vectorize_s),
                seconds(f.timings.fit_s),
                seconds(f.timings.predict_s),
            ];
            if has_fnc {
                row.insert(6, f.fnc_score.map_or("—".into(), |s| format!("{s:.2}")));
            }
            row
        })
        .collect();
    Grid {
        numeric: vec![true; header.len()],
        header,
        rows,
        emphasis: vec![],
    }
}

/// Seconds per stage for each classifier of one task (mean per fold and total).
pub(crate) fn timings_grid(board: &TaskBoard<'_>) -> Grid {
    let header: Vec<String> = [
        "classifier",
        "vectorize s/fold",
        "fit s/fold",
        "predict s/fold",
        "total s (all folds)",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows = board
        .runs
        .iter()
        .map(|r| {
            let m = &r.summary.timings_mean;
            vec![
                r.classifier.clone(),
                seconds(m.vectorize_s),
                seconds(m.fit_s),
                seconds(m.predict_s),
                seconds(r.summary.timings_total.total_s()),
            ]
        })
        .collect();
    Grid {
        header,
        rows,
        numeric: vec![false, true, true, true, true],
        emphasis: vec![],
    }
}

/// A line describing the corpus and split, shared by all renderers.
pub(crate) fn corpus_line(report: &EvalReport) -> String {
    let mut s = format!(
        "corpus: {} ({} documents)",
        report.corpus.source, report.corpus.n_documents
    );
    let setting = |key| report.settings.get(key).and_then(|v| v.as_str());
    match (setting("test"), setting("model_dir")) {
        (Some(test), _) => s.push_str(&format!(", trained on it and tested on {test}")),
        (None, Some(dir)) => s.push_str(&format!(", scored with the saved models of {dir}")),
        (None, None) => {
            if let Some(run) = report.runs.first() {
                s.push_str(&format!(", {}-fold cross-validation", run.summary.n_folds));
            }
        }
    }
    if let Some(seed) = report.settings.get("seed") {
        s.push_str(&format!(", seed {seed}"));
    }
    s
}

/// What each task's best run section shows, in order.
pub(crate) fn detail_title(run: &EvalRun) -> String {
    format!(
        "{} — best: {} (pooled out-of-fold predictions, n = {})",
        run.task,
        run.classifier,
        run.pooled.n_samples()
    )
}

/// A text column (run names, labels) fitted to a terminal is not made narrower than this,
/// nor than its longest word if that is shorter: narrower, names would break inside words.
const MIN_TEXT_WIDTH: usize = 16;
/// A text column is not made narrower than this even to fit a table in a terminal.
const LEAST_TEXT_WIDTH: usize = 8;

/// The table drawing `grid`; fitted to a terminal `width` columns wide when one is given
/// and the table is wider ([`fitted`]). Otherwise each column is as wide as its content
/// (comfy-table's arrangement stays disabled), so output that is not a terminal is the
/// same everywhere.
fn to_table(grid: &Grid, color: bool, width: Option<u16>) -> Table {
    match width.map(usize::from) {
        Some(w) if table_width(&natural_widths(grid)) > w => drawn_table(&fitted(grid, w), color),
        _ => drawn_table(grid, color),
    }
}

/// `grid` with its cells wrapped to fit `width` terminal columns where they can: headers
/// and text cells (run names, labels) wrap at spaces; if that is not enough, each
/// `mean ± std` figure goes on two lines as well, the std under the mean; if that is still
/// not enough, text columns narrow further ([`squeeze_text`]). Figures are never cut, so a
/// table whose figures alone are wider than the terminal stays wider.
fn fitted(grid: &Grid, width: usize) -> Grid {
    let widths = column_widths(grid, width);
    if table_width(&widths) <= width {
        return wrapped(grid, &widths);
    }
    let stacked = stacked(grid);
    let mut widths = column_widths(&stacked, width);
    squeeze_text(&stacked, &mut widths, width);
    wrapped(&stacked, &widths)
}

/// `grid` with each `mean ± std` figure on two lines, `± std` under the mean.
fn stacked(grid: &Grid) -> Grid {
    let stack = |c: usize, v: &String| {
        if grid.is_numeric(c) {
            v.replacen(" ± ", "\n± ", 1)
        } else {
            v.clone()
        }
    };
    Grid {
        rows: grid
            .rows
            .iter()
            .map(|row| row.iter().enumerate().map(|(c, v)| stack(c, v)).collect())
            .collect(),
        ..grid.clone()
    }
}

/// Narrows the text columns of a table still wider than `width` down to
/// [`LEAST_TEXT_WIDTH`], cutting their long words, rather than let it overflow.
fn squeeze_text(grid: &Grid, widths: &mut [usize], width: usize) {
    let mut excess = table_width(widths).saturating_sub(width);
    for (c, w) in widths.iter_mut().enumerate() {
        if !grid.is_numeric(c) {
            let give = w.saturating_sub(LEAST_TEXT_WIDTH).min(excess);
            *w -= give;
            excess -= give;
        }
    }
}

/// The width a table takes with columns of `widths` characters: the content, a space of
/// padding either side, and one border character per column plus one.
fn table_width(widths: &[usize]) -> usize {
    widths.iter().map(|w| w + 3).sum::<usize>() + 1
}

/// Terminal columns `s` takes: a CJK character two, a combining mark none (as comfy-table
/// measures cells, so the fitted widths agree with the drawn table).
fn columns(s: &str) -> usize {
    s.width()
}

/// Column `c` of `grid`, its header first.
fn column(grid: &Grid, c: usize) -> impl Iterator<Item = &str> {
    let header = grid.header.get(c).map(String::as_str);
    header.into_iter().chain(
        grid.rows
            .iter()
            .filter_map(move |r| r.get(c).map(String::as_str)),
    )
}

/// Each column's width with nothing wrapped: its widest line.
fn natural_widths(grid: &Grid) -> Vec<usize> {
    let widest = |s: &str| s.lines().map(columns).max().unwrap_or(0);
    (0..grid.header.len())
        .map(|c| column(grid, c).map(widest).max().unwrap_or(0))
        .collect()
}

/// Column widths for a table within `width`: each column gets its least width (see
/// [`least_width`]), then what is left goes first to the text columns (a run name wrapped
/// costs a line per row), then to the numeric ones (unwrapping their headers), in equal
/// shares.
fn column_widths(grid: &Grid, width: usize) -> Vec<usize> {
    let natural = natural_widths(grid);
    let mut widths: Vec<usize> = (0..natural.len()).map(|c| least_width(grid, c)).collect();
    let mut left = width.saturating_sub(table_width(&widths));
    let (numeric, text): (Vec<usize>, Vec<usize>) =
        (0..natural.len()).partition(|&c| grid.is_numeric(c));
    share_out(&mut widths, &natural, text, &mut left);
    share_out(&mut widths, &natural, numeric, &mut left);
    widths
}

/// The narrowest column `c` of `grid` may be made: a numeric column keeps its widest
/// figure line and its header's longest word whole, a text column its longest word up to
/// [`MIN_TEXT_WIDTH`].
fn least_width(grid: &Grid, c: usize) -> usize {
    let longest_word = |s: &str| s.split_whitespace().map(columns).max().unwrap_or(0);
    if grid.is_numeric(c) {
        let figures = grid.rows.iter().filter_map(|r| r.get(c));
        let figure = figures
            .flat_map(|f| f.lines())
            .map(columns)
            .max()
            .unwrap_or(0);
        figure.max(grid.header.get(c).map_or(0, |h| longest_word(h)))
    } else {
        let word = column(grid, c).map(longest_word).max().unwrap_or(0);
        word.clamp(1, MIN_TEXT_WIDTH)
    }
}

/// Widens columns `cols` of `widths` towards their `natural` widths out of `left`
/// characters, in equal shares; a column needing less than its share leaves the rest to
/// the others.
fn share_out(widths: &mut [usize], natural: &[usize], mut cols: Vec<usize>, left: &mut usize) {
    let wanted = |widths: &[usize], c: usize| natural[c].saturating_sub(widths[c]);
    cols.sort_by_key(|&c| wanted(widths, c));
    let n = cols.len();
    for (k, &c) in cols.iter().enumerate() {
        let add = wanted(widths, c).min(*left / (n - k));
        widths[c] += add;
        *left -= add;
    }
}

/// `grid` with every cell, header included, wrapped to its column's width.
fn wrapped(grid: &Grid, widths: &[usize]) -> Grid {
    let wrap_row = |row: &[String]| -> Vec<String> {
        row.iter().zip(widths).map(|(v, &w)| wrap(v, w)).collect()
    };
    Grid {
        header: wrap_row(&grid.header),
        rows: grid.rows.iter().map(|r| wrap_row(r)).collect(),
        ..grid.clone()
    }
}

/// `text` in lines of at most `width` terminal columns, broken at spaces, and inside a word
/// only when it is wider than `width`. (comfy-table's own wrapping cuts words to fill
/// lines.)
fn wrap(text: &str, width: usize) -> String {
    let width = width.max(1);
    let mut lines = Vec::new();
    for line in text.split('\n') {
        let mut current = String::new();
        let mut len = 0;
        let words = line.split(' ').filter(|w| !w.is_empty());
        for piece in words.flat_map(|w| pieces(w, width)) {
            let piece_len = columns(piece);
            if len > 0 && len + 1 + piece_len > width {
                lines.push(std::mem::take(&mut current));
                len = 0;
            }
            if len > 0 {
                current.push(' ');
                len += 1;
            }
            current.push_str(piece);
            len += piece_len;
        }
        lines.push(current);
    }
    lines.join("\n")
}

/// `word` cut into pieces of at most `width` terminal columns (a character wider than
/// `width` is a piece of its own).
fn pieces(word: &str, width: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut len) = (0, 0);
    for (i, c) in word.char_indices() {
        let w = c.width().unwrap_or(0);
        if len + w > width && i > start {
            out.push(&word[start..i]);
            (start, len) = (i, 0);
        }
        len += w;
    }
    out.push(&word[start..]);
    out
}

/// `grid` as a table, each column as wide as its content.
fn drawn_table(grid: &Grid, color: bool) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    if color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    let cell = |text: &str, col: usize, header: bool, emph: bool| {
        let mut c = Cell::new(text);
        if grid.is_numeric(col) {
            c = c.set_alignment(CellAlignment::Right);
        }
        if color && header {
            c = c.add_attribute(Attribute::Bold).fg(Color::Cyan);
        } else if color && emph {
            c = c.add_attribute(Attribute::Bold).fg(Color::Green);
        }
        c
    };
    t.set_header(
        grid.header
            .iter()
            .enumerate()
            .map(|(i, h)| cell(h, i, true, false)),
    );
    for (r, row) in grid.rows.iter().enumerate() {
        let emph = grid.emphasis.contains(&r);
        t.add_row(row.iter().enumerate().map(|(i, v)| cell(v, i, false, emph)));
    }
    t
}

fn heading(text: &str, color: bool) -> String {
    if color {
        format!("\x1b[1;4m{text}\x1b[0m\n")
    } else {
        format!("{text}\n{}\n", "=".repeat(columns(text)))
    }
}

fn subheading(text: &str, color: bool) -> String {
    if color {
        format!("\x1b[1m{text}\x1b[0m\n")
    } else {
        format!("{text}\n")
    }
}

/// Terminal rendering: per task a leaderboard (mean ± std across folds), then for the best
/// classifier its per-class table, confusion matrix (or top confusions for many classes)
/// and per-fold figures, and the timings of every classifier. `color` adds ANSI styling;
/// without it the output is plain text. `width`, a terminal's, fits the tables wider than
/// it to it where they can be (see `fitted_table`); without it the output is the same
/// everywhere.
pub fn render_terminal(report: &EvalReport, color: bool, width: Option<u16>) -> String {
    let mut out = String::new();
    out.push_str(&subheading(&corpus_line(report), color));
    for w in &report.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    for board in report.leaderboard() {
        out.push('\n');
        out.push_str(&heading(&format!("Task: {}", board.task), color));
        out.push_str(&subheading(
            "Leaderboard (mean ± std across folds, std with ddof = 0)",
            color,
        ));
        out.push_str(&format!(
            "{}\n",
            to_table(&leaderboard_grid(&board), color, width)
        ));
        let best = board.runs[0];
        out.push('\n');
        out.push_str(&subheading(&detail_title(best), color));
        out.push_str(&format!(
            "{}\n",
            to_table(&per_class_grid(best), color, width)
        ));
        out.push('\n');
        if best.pooled.labels.len() <= MAX_TEXT_MATRIX {
            out.push_str(&subheading(
                "Confusion matrix (rows = true, columns = predicted)",
                color,
            ));
            out.push_str(&format!(
                "{}\n",
                to_table(&confusion_grid(best), color, width)
            ));
        } else {
            out.push_str(&subheading(
                &format!(
                    "Most frequent confusions ({} classes: too many for a matrix here; see the JSON or HTML report)",
                    best.pooled.labels.len()
                ),
                color,
            ));
            out.push_str(&format!(
                "{}\n",
                to_table(&top_confusions_grid(best, TOP_CONFUSIONS), color, width)
            ));
        }
        out.push('\n');
        out.push_str(&subheading(&format!("Folds of {}", best.classifier), color));
        out.push_str(&format!("{}\n", to_table(&folds_grid(best), color, width)));
        out.push('\n');
        out.push_str(&subheading("Timings per stage (wall clock)", color));
        out.push_str(&format!(
            "{}\n",
            to_table(&timings_grid(&board), color, width)
        ));
    }
    out
}

/// `s` as literal Markdown text (a table cell, a heading, a list item): every character
/// that inline Markdown reads as syntax (code, emphasis, links, HTML tags and entities,
/// strikethrough, a cell boundary) backslash-escaped, and line ends made spaces, since a
/// cell is one line. Labels come from the corpus: a class named `<script>` or `` `x` ``
/// was rendered as HTML or code.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn md_table(grid: &Grid) -> String {
    let mut s = String::new();
    let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    s.push_str(&row(grid.header.iter().map(|h| md_escape(h)).collect()));
    s.push_str(&row((0..grid.header.len())
        .map(|i| {
            if grid.is_numeric(i) {
                "---:".to_string()
            } else {
                "---".to_string()
            }
        })
        .collect()));
    for (r, cells) in grid.rows.iter().enumerate() {
        let emph = grid.emphasis.contains(&r);
        s.push_str(&row(cells
            .iter()
            .map(|c| {
                let c = md_escape(c);
                if emph && !c.is_empty() {
                    format!("**{c}**")
                } else {
                    c
                }
            })
            .collect()));
    }
    s
}

/// GitHub-flavoured Markdown with the same content as [`render_terminal`].
pub fn render_markdown(report: &EvalReport) -> String {
    let mut out = String::from("# Evaluation report\n\n");
    out.push_str(&format!("{}\n", md_escape(&corpus_line(report))));
    if let Some(created) = &report.created {
        out.push_str(&format!(
            "\nCreated {} by {}.\n",
            md_escape(created),
            report.tool
        ));
    }
    if !report.warnings.is_empty() {
        out.push_str("\n**Warnings**\n\n");
        for w in &report.warnings {
            out.push_str(&format!("- {}\n", md_escape(w)));
        }
    }
    for board in report.leaderboard() {
        out.push_str(&format!("\n## Task: {}\n\n", md_escape(board.task)));
        out.push_str("Leaderboard (mean ± std across folds, std with ddof = 0):\n\n");
        out.push_str(&md_table(&leaderboard_grid(&board)));
        let best = board.runs[0];
        out.push_str(&format!("\n### {}\n\n", md_escape(&detail_title(best))));
        out.push_str(&md_table(&per_class_grid(best)));
        if best.pooled.labels.len() <= MAX_TEXT_MATRIX {
            out.push_str("\nConfusion matrix (rows = true, columns = predicted):\n\n");
            out.push_str(&md_table(&confusion_grid(best)));
        } else {
            out.push_str(&format!(
                "\nMost frequent confusions ({} classes: the full matrix is in the JSON and HTML reports):\n\n",
                best.pooled.labels.len()
            ));
            out.push_str(&md_table(&top_confusions_grid(best, TOP_CONFUSIONS)));
        }
        out.push_str(&format!("\nFolds of {}:\n\n", md_escape(&best.classifier)));
        out.push_str(&md_table(&folds_grid(best)));
        out.push_str("\nTimings per stage (wall clock):\n\n");
        out.push_str(&md_table(&timings_grid(&board)));
    }
    out
}

#[derive(Serialize)]
struct JsonBoard<'a> {
    task: &'a str,
    /// Classifier names, best first.
    ranking: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonView<'a> {
    #[serde(flatten)]
    report: &'a EvalReport,
    leaderboard: Vec<JsonBoard<'a>>,
}

/// Pretty JSON of the whole report (every figure, per fold, and the settings) plus the
/// leaderboard order per task.
pub fn render_json(report: &EvalReport) -> String {
    let view = JsonView {
        report,
        leaderboard: report
            .leaderboard()
            .into_iter()
            .map(|b| JsonBoard {
                task: b.task,
                ranking: b.runs.iter().map(|r| r.classifier.as_str()).collect(),
            })
            .collect(),
    };
    // Serialising plain data (no maps with non-string keys, no NaN) cannot fail.
    serde_json::to_string_pretty(&view).expect("an EvalReport always serialises to JSON")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::eval::report::{CorpusInfo, FoldResult, Timings};

    /// A small two-task report: FNC-1 stances (two classifiers) and a 3-class topic task.
    pub(crate) fn sample_report() -> EvalReport {
        let stances: Vec<String> = ["agree", "disagree", "discuss", "unrelated"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let topics: Vec<String> = ["business", "sport | games", "tech"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let run = |task: &str, name: &str, labels: &[String], folds: &[(&[usize], &[usize])]| {
            let mut results = Vec::new();
            let (mut all_t, mut all_p) = (Vec::new(), Vec::new());
            for (i, (t, p)) in folds.iter().enumerate() {
                let timings = Timings {
                    vectorize_s: 0.5,
                    fit_s: 1.25 + i as f64,
                    predict_s: 0.125,
                };
                results.push(FoldResult::new(i, 20, t, p, labels, timings).unwrap());
                all_t.extend_from_slice(t);
                all_p.extend_from_slice(p);
            }
            let pooled = crate::eval::ClassificationReport::new(&all_t, &all_p, labels).unwrap();
            EvalRun::new(
                task,
                name,
                serde_json::json!({"classifier": name, "C": 1.0}),
                results,
                pooled,
            )
        };
        let t1: &[usize] = &[0, 1, 2, 3, 3, 3, 2, 0];
        let t2: &[usize] = &[0, 2, 2, 3, 3, 3, 1, 3];
        EvalReport {
            tool: "textclf test".into(),
            created: None,
            corpus: CorpusInfo {
                source: "fixture.csv".into(),
                n_documents: 16,
            },
            settings: serde_json::json!({"k": 2, "seed": 42}),
            warnings: vec!["class 'disagree' has only 2 member(s)".into()],
            runs: vec![
                run(
                    "stance",
                    "nb",
                    &stances,
                    &[
                        (t1, &[0, 3, 2, 3, 3, 2, 2, 0]),
                        (t2, &[2, 2, 2, 3, 3, 3, 3, 3]),
                    ],
                ),
                run(
                    "stance",
                    "logreg",
                    &stances,
                    &[
                        (t1, &[0, 1, 2, 3, 3, 3, 2, 2]),
                        (t2, &[0, 2, 2, 3, 3, 3, 1, 3]),
                    ],
                ),
                run(
                    "topic",
                    "logreg",
                    &topics,
                    &[
                        (&[0, 1, 2, 0], &[0, 1, 2, 1]),
                        (&[1, 2, 0, 2], &[1, 2, 0, 2]),
                    ],
                ),
            ],
        }
    }

    #[test]
    fn terminal_and_markdown_show_the_figures() {
        let r = sample_report();
        let boards = r.leaderboard();
        assert_eq!(boards[0].runs[0].classifier, "logreg");
        let best = boards[0].runs[0];
        let macro_f1 = mean_std(&best.summary.macro_f1);
        let fnc = format!("{:.2}", best.pooled_fnc_score.unwrap());
        let plain = render_terminal(&r, false, None);
        let md = render_markdown(&r);
        for out in [&plain, &md] {
            assert!(out.contains(&macro_f1), "{out}");
            assert!(out.contains(&fnc), "{out}");
            assert!(out.contains("macro avg") && out.contains("weighted avg"));
            assert!(out.contains("micro avg"));
            assert!(out.contains("unrelated"));
            assert!(out.contains("fixture.csv (16 documents), 2-fold cross-validation, seed 42"));
            assert!(out.contains("disagree' has only 2"));
            // Per-class pooled F1 of 'unrelated' for the best run.
            assert!(out.contains(&score(best.pooled.per_class[3].f1)));
            // Timings: fit mean per fold (1.25 and 2.25) = 1.750.
            assert!(out.contains("1.750"));
        }
        assert!(!plain.contains('\x1b'), "no ANSI codes without color");
        assert!(render_terminal(&r, true, None).contains('\x1b'));
        // Leaderboard order: logreg before nb in the stance table.
        let lb = &plain[plain.find("Task: stance").unwrap()..];
        assert!(lb.find("logreg").unwrap() < lb.find("nb").unwrap());
        // Markdown table syntax, with the pipe in a label escaped.
        assert!(md.contains("| --- |") || md.contains("| --- | ---"));
        assert!(md.contains("sport \\| games"));
        assert!(md.contains("**1**"));
        // Confusion counts row for 'agree' of the best stance run: 2 right.
        assert!(plain.contains("true \\ predicted"));
    }

    /// A label comes from the corpus and is text in Markdown, never markup: an HTML tag,
    /// code, emphasis, a link, a cell boundary or a line end in it took effect.
    #[test]
    fn markdown_escapes_what_a_label_could_mark_up() {
        assert_eq!(
            md_escape("<script>alert(1)</script>"),
            "\\<script\\>alert(1)\\</script\\>"
        );
        assert_eq!(
            md_escape("`x` *b* _u_ [l](y) a|b ~s~ &amp; \\"),
            "\\`x\\` \\*b\\* \\_u\\_ \\[l\\](y) a\\|b \\~s\\~ \\&amp; \\\\"
        );
        assert_eq!(md_escape("new\nline\r"), "new line ");
        assert_eq!(
            md_escape("svm C=0.25, 1.0000 ± 0.0"),
            "svm C=0.25, 1.0000 ± 0.0"
        );
    }

    #[test]
    fn json_round_trips_with_every_figure() {
        let r = sample_report();
        let json = render_json(&r);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["leaderboard"][0]["task"], "stance");
        assert_eq!(v["leaderboard"][0]["ranking"][0], "logreg");
        assert_eq!(v["runs"][0]["folds"].as_array().unwrap().len(), 2);
        assert_eq!(v["runs"][0]["settings"]["classifier"], "nb");
        assert!(v["runs"][1]["folds"][0]["fnc_score"].is_number());
        assert!(v["runs"][2]["pooled_fnc_score"].is_null());
        // Reading the JSON back gives the same report (floats to the last bit or so:
        // serde_json's default float parser may differ in the final ulp).
        let back: EvalReport = serde_json::from_value(v).unwrap();
        assert_eq!(back.runs.len(), r.runs.len());
        for (a, b) in back.runs.iter().zip(&r.runs) {
            assert_eq!(a.pooled.confusion, b.pooled.confusion);
            assert_eq!(a.pooled.labels, b.pooled.labels);
            assert_eq!(a.folds.len(), b.folds.len());
            assert!((a.summary.macro_f1.mean - b.summary.macro_f1.mean).abs() < 1e-12);
            assert!((a.pooled.weighted_avg.f1 - b.pooled.weighted_avg.f1).abs() < 1e-12);
        }
    }

    #[test]
    fn many_classes_list_top_confusions() {
        let labels: Vec<String> = (0..30).map(|i| format!("topic_{i:02}")).collect();
        let y: Vec<usize> = (0..300).map(|i| i % 30).collect();
        let p: Vec<usize> = y
            .iter()
            .map(|&c| if c % 3 == 0 { (c + 1) % 30 } else { c })
            .collect();
        let f = FoldResult::new(0, 1, &y, &p, &labels, Timings::default()).unwrap();
        let pooled = f.report.clone();
        let mut r = sample_report();
        r.runs = vec![EvalRun::new(
            "topic",
            "x",
            serde_json::Value::Null,
            vec![f],
            pooled,
        )];
        let out = render_terminal(&r, false, None);
        assert!(out.contains("Most frequent confusions (30 classes"));
        assert!(out.contains("100.0%"));
        assert!(!out.contains("true \\ predicted"));
    }

    /// The lines of `out` from the first starting with `from` to the next blank line.
    fn block<'a>(out: &'a str, from: &str) -> Vec<&'a str> {
        let start = out
            .find(from)
            .unwrap_or_else(|| panic!("no {from:?} in {out}"));
        out[start..].lines().take_while(|l| !l.is_empty()).collect()
    }

    fn widest(lines: &[&str]) -> usize {
        lines.iter().map(|l| l.chars().count()).max().unwrap()
    }

    #[test]
    fn tables_wider_than_the_terminal_are_fitted_to_it() {
        let mut r = sample_report();
        for run in &mut r.runs {
            run.classifier = format!("{} C=0.5 ngrams=1-2 loss=hinge epochs=20", run.classifier);
        }
        let natural = render_terminal(&r, false, None);
        // A terminal wide enough changes nothing.
        assert_eq!(render_terminal(&r, false, Some(u16::MAX)), natural);
        let board = "Leaderboard (mean";
        let topic = |out: &str| out[out.find("Task: topic").unwrap()..].to_string();
        assert!(widest(&block(&natural, board)) > 80);
        let fitted = render_terminal(&r, false, Some(80));
        for out in [&fitted, &topic(&fitted)] {
            let leaderboard = block(out, board);
            assert!(widest(&leaderboard) <= 80, "{}", leaderboard.join("\n"));
        }
        // Each mean ± std keeps its figures whole, the std under the mean.
        let topic = topic(&fitted);
        let leaderboard = block(&topic, board);
        let shown = leaderboard.join("\n");
        let best = r.leaderboard()[1].runs[0];
        let (mean, std) = (best.summary.macro_f1.mean, best.summary.macro_f1.std);
        let row = leaderboard
            .iter()
            .position(|l| l.contains(&score(mean)))
            .unwrap();
        assert!(
            leaderboard[row + 1].contains(&format!("± {}", score(std))),
            "{shown}"
        );
        // Without the FNC column, the run names wrap at spaces, whole words on each line.
        for word in ["ngrams=1-2", "epochs=20"] {
            assert!(leaderboard.iter().any(|l| l.contains(word)), "{shown}");
        }
        // No table gets wider than it was, and colour does not change the layout.
        for (a, b) in natural.split("\n\n").zip(fitted.split("\n\n")) {
            let widest = |s: &str| s.lines().map(|l| l.chars().count()).max();
            assert!(widest(b) <= widest(a), "{b}");
        }
        let coloured = render_terminal(&r, true, Some(80));
        let mut plain = String::new();
        for (k, piece) in coloured.split('\x1b').enumerate() {
            // Each piece after the first starts with an SGR sequence: `[...m`.
            plain.push_str(if k == 0 {
                piece
            } else {
                &piece[piece.find('m').unwrap() + 1..]
            });
        }
        assert!(plain.contains(&shown), "{plain}");
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_inside_overlong_words_only() {
        assert_eq!(wrap("svm C=0.5 ngrams=1-2", 10), "svm C=0.5\nngrams=1-2");
        assert_eq!(wrap("0.8408\n± 0.0152", 8), "0.8408\n± 0.0152");
        assert_eq!(
            wrap("a class_weight=balanced", 8),
            "a\nclass_we\night=bal\nanced"
        );
        assert_eq!(wrap("", 5), "");
    }

    #[test]
    fn wrapping_counts_terminal_columns() {
        // CJK characters take two columns each: 政治 is 4 wide, 经济新闻报道 12.
        assert_eq!(wrap("政治 经济新闻报道", 8), "政治\n经济新闻\n报道");
        assert_eq!(wrap("日本", 1), "日\n本");
        // A combining accent takes none.
        assert_eq!(wrap("cafe\u{301} noir", 10), "cafe\u{301} noir");
        assert_eq!(columns("政治 x"), 6);
    }

    #[test]
    fn abbreviation_keeps_short_labels() {
        assert_eq!(abbreviate("tech", 12), "tech");
        assert_eq!(abbreviate("international_news", 8), "inter…ws");
        assert_eq!(abbreviate("international_news", 18), "international_news");
        assert_eq!(abbreviate("abcdef", 3), "abcdef");
    }
}
