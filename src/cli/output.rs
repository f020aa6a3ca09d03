//! Progress display, colour policy, the `--verbose` logger and small terminal helpers.
//!
//! Colour follows the conventions other tools share (and clap applies to its own help):
//! `NO_COLOR` set to any non-empty value turns colour off everywhere; otherwise
//! `CLICOLOR_FORCE` (non-empty, not `0`) turns it on; otherwise a stream is coloured only when
//! it is a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Which standard stream a colour decision is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

fn env_set(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Whether to write ANSI colour to `stream` (see the module docs for the rules).
pub fn colour_enabled(stream: Stream) -> bool {
    if env_set("NO_COLOR").is_some() {
        return false;
    }
    if env_set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    match stream {
        Stream::Stdout => std::io::stdout().is_terminal(),
        Stream::Stderr => std::io::stderr().is_terminal(),
    }
}

/// Wraps `text` in an SGR sequence (`code`, e.g. `"1;31"`) when `on`.
pub fn paint(text: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// Standard output, locked, for a command's results: its write errors say they are
/// stdout's (`writing to stdout: No space left on device`), where the bare system error
/// named no file. The error kind is kept, so a closed pipe still ends a command quietly.
pub fn stdout() -> NamedStdout {
    NamedStdout(std::io::stdout().lock())
}

/// See [`stdout`].
pub struct NamedStdout(std::io::StdoutLock<'static>);

impl NamedStdout {
    /// `e` with `writing to stdout: ` before its message, its kind kept.
    fn named(e: std::io::Error) -> std::io::Error {
        std::io::Error::new(e.kind(), format!("writing to stdout: {e}"))
    }
}

impl Write for NamedStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).map_err(Self::named)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.write_all(buf).map_err(Self::named)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().map_err(Self::named)
    }
}

/// Prints `textclf: warning: MESSAGE` on stderr, styled as errors are: for what a
/// command accepted but the user should hear about (it goes on, exit code unchanged).
pub fn warn(message: impl std::fmt::Display) {
    let colour = colour_enabled(Stream::Stderr);
    stderr_line(format_args!(
        "textclf: {} {message}",
        paint("warning:", "1;33", colour)
    ));
}

/// Prints one line on stderr. A failed write there has nowhere to be reported, and
/// `eprintln!` would panic on it (`2>/dev/full` made every error exit 101, a panic).
pub fn stderr_line(line: std::fmt::Arguments) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Whether progress may be drawn: not when quiet, not when `--verbose` writes log lines
/// (the two would interleave), and only on a terminal.
fn progress_visible(quiet: bool) -> bool {
    !quiet && !log::log_enabled!(log::Level::Info) && std::io::stderr().is_terminal()
}

/// The template with colour only where allowed (indicatif styles through `console`, which
/// does not know `NO_COLOR`, so the policy is applied to the template itself).
fn template(coloured: &str, plain: &'static str) -> ProgressStyle {
    let t = if colour_enabled(Stream::Stderr) {
        coloured
    } else {
        plain
    };
    ProgressStyle::with_template(t).expect("valid template")
}

/// A spinner for a stage of unknown length; hidden unless [`progress_visible`].
pub fn spinner(message: &str, quiet: bool) -> ProgressBar {
    if !progress_visible(quiet) {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    pb.set_style(template(
        "{spinner:.cyan} {msg} [{elapsed}]",
        "{spinner} {msg} [{elapsed}]",
    ));
    pb.set_message(message.to_owned());
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// A bar for `len` steps; hidden unless [`progress_visible`].
pub fn bar(len: u64, message: &str, quiet: bool) -> ProgressBar {
    if !progress_visible(quiet) {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    pb.set_style(template(
        "{msg} {bar:30.cyan/blue} {pos}/{len} [{elapsed}]",
        "{msg} {bar:30} {pos}/{len} [{elapsed}]",
    ));
    pb.set_message(message.to_owned());
    pb
}

/// Seconds with two decimals, for summaries.
pub fn secs(d: Duration) -> String {
    format!("{:.2}s", d.as_secs_f64())
}

/// `--verbose` output: every `log` record at `Debug` or above, one line on stderr, prefixed
/// with the time since the process started so stage costs can be read off directly.
struct StderrLogger {
    start: Instant,
    colour: bool,
}

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Debug
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let stamp = format!("[{:>7.3}s]", self.start.elapsed().as_secs_f64());
        let level = match record.level() {
            log::Level::Error => paint("error", "1;31", self.colour),
            log::Level::Warn => paint("warning", "1;33", self.colour),
            _ => String::new(),
        };
        let mut err = std::io::stderr().lock();
        // A failed write to stderr has nowhere to be reported.
        let _ = writeln!(
            err,
            "{} {}{}{}",
            paint(&stamp, "2", self.colour),
            level,
            if level.is_empty() { "" } else { ": " },
            record.args()
        );
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

static LOGGER: OnceLock<StderrLogger> = OnceLock::new();

/// Installs the stderr logger once per process; with `verbose` false nothing is logged
/// (the commands print their own summaries and warnings).
pub fn init_logging(verbose: bool) {
    let logger = LOGGER.get_or_init(|| StderrLogger {
        start: Instant::now(),
        colour: colour_enabled(Stream::Stderr),
    });
    // Fails only if a logger is already set (e.g. a second call in tests): keep that one.
    let _ = log::set_logger(logger);
    log::set_max_level(if verbose {
        log::LevelFilter::Debug
    } else {
        log::LevelFilter::Off
    });
}

/// Logs what the reader did (for `--verbose`).
pub fn log_read_summary(
    path: &std::path::Path,
    summary: &crate::corpus::ReadSummary,
    took: Duration,
) {
    log::info!(
        "read {} documents from {} in {}",
        summary.documents,
        path.display(),
        secs(took)
    );
    if summary.latin1_fallbacks > 0 {
        log::info!(
            "{} documents were not valid UTF-8 and were decoded as Latin-1",
            summary.latin1_fallbacks
        );
    }
    if summary.skipped_bad > 0 {
        log::info!("{} bad records skipped (--skip-bad)", summary.skipped_bad);
        for ex in &summary.skip_examples {
            log::info!("  skipped: {ex}");
        }
        if summary.skip_examples.len() < summary.skipped_bad {
            log::info!(
                "  (the first {} reasons shown)",
                summary.skip_examples.len()
            );
        }
    }
    if summary.unlabelled_skipped > 0 {
        log::info!(
            "{} files directly in the corpus folder left out (no class folder)",
            summary.unlabelled_skipped
        );
    }
}
