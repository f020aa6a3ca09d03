//! The command-line layer: argument definitions, one module per command, and the mapping of
//! errors to exit codes. Nothing below `cli` prints or exits.

pub mod args;
pub mod eval;
pub mod grid;
pub mod inspect;
pub mod output;
pub mod predict;
pub mod shell;
pub mod train;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Learn the topic and stance of news articles: TF-IDF features and sparse linear models.
#[derive(Debug, Parser)]
#[command(
    name = "textclf",
    version,
    about,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Print only errors
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Stage-by-stage detail on stderr: files read, records skipped and why, vocabulary size,
    /// solver iterations per class, timings
    #[arg(long, short, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands. A variant's doc comment is the command's summary in `--help` and
/// overrides its argument struct's, so each repeats the struct's line word for word.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train one model per label column and save each as <model-dir>/<label>.model
    Train(train::TrainArgs),
    /// Score articles with the models in a directory
    Predict(predict::PredictArgs),
    /// Cross-validate classifiers (or train on one corpus and test on another, or score saved models) and report quality
    Eval(eval::EvalArgs),
    /// Show a model's settings, training data and strongest terms per class
    Inspect(inspect::InspectArgs),
    /// Print a shell completion script
    Completions(shell::CompletionsArgs),
    /// Print the manual page (roff) for textclf
    Man(shell::ManArgs),
}

/// Exit codes, documented in README.md.
pub mod exit {
    /// Something unexpected (a bug, or an error not classified below).
    pub const FAILURE: u8 = 1;
    /// The command line was wrong (clap uses 2 as well).
    pub const USAGE: u8 = 2;
    /// The corpus or input data were unusable (bad record, missing column, one class, ...).
    pub const DATA: u8 = 3;
    /// A model file was missing, truncated, corrupt, foreign or too new.
    pub const MODEL: u8 = 4;
    /// Reading or writing a file failed.
    pub const IO: u8 = 5;
}

/// A failure the command classifies for its exit code.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.is::<UsageError>() {
            return exit::USAGE;
        }
        if let Some(e) = cause.downcast_ref::<crate::bundle::BundleError>() {
            return match e {
                crate::bundle::BundleError::Io { source, .. }
                    if source.kind() != std::io::ErrorKind::NotFound =>
                {
                    exit::IO
                }
                _ => exit::MODEL,
            };
        }
        if let Some(e) = cause.downcast_ref::<crate::corpus::CorpusError>() {
            return match e {
                crate::corpus::CorpusError::Io { .. } => exit::IO,
                _ => exit::DATA,
            };
        }
        if cause.is::<crate::text::TextError>() || cause.is::<crate::features::FeatureError>() {
            return exit::USAGE;
        }
        if cause.is::<crate::models::ModelError>() {
            return exit::DATA;
        }
        if io_error_kind(cause).is_some() {
            return exit::IO;
        }
    }
    exit::DATA
}

/// The kind of the I/O error `cause` is or wraps: the CSV and JSON writers wrap theirs
/// (`predict --format csv | head -1` reported `Broken pipe` with exit code 3, and output
/// that could not be written was a data error).
fn io_error_kind(cause: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    if let Some(e) = cause.downcast_ref::<std::io::Error>() {
        return Some(e.kind());
    }
    if let Some(e) = cause.downcast_ref::<csv::Error>() {
        return match e.kind() {
            csv::ErrorKind::Io(e) => Some(e.kind()),
            _ => None,
        };
    }
    cause
        .downcast_ref::<serde_json::Error>()
        .and_then(serde_json::Error::io_error_kind)
}

/// Prints what parsing the command line produced instead of a command (help, the version,
/// or a usage error) and returns its exit code. clap's own `exit` ignores a failed write,
/// so `textclf --help > /dev/full` succeeded in silence; a closed pipe (`| head`) is fine,
/// and a usage error that cannot be printed keeps its code (stderr has no one to tell).
pub fn parse_failed(err: &clap::Error) -> ExitCode {
    use std::io::Write;
    let written = err.print().and_then(|()| std::io::stdout().flush());
    match written {
        Err(e) if !err.use_stderr() && e.kind() != std::io::ErrorKind::BrokenPipe => {
            output::stderr_line(format_args!("textclf: error: writing to stdout: {e}"));
            ExitCode::from(exit::IO)
        }
        _ => ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(exit::USAGE)),
    }
}

/// Runs the parsed command line; prints errors with their causes and returns the exit code.
pub fn run(cli: Cli) -> ExitCode {
    output::init_logging(cli.verbose);
    let result = match cli.command {
        Command::Train(a) => train::run(a, cli.quiet),
        Command::Predict(a) => predict::run(a, cli.quiet),
        Command::Eval(a) => eval::run(a, cli.quiet),
        Command::Inspect(a) => inspect::run(a),
        Command::Completions(a) => shell::completions(a),
        Command::Man(a) => shell::man(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A closed pipe (e.g. `| head`) is not an error worth reporting.
            if err
                .chain()
                .any(|c| io_error_kind(c) == Some(std::io::ErrorKind::BrokenPipe))
            {
                return ExitCode::SUCCESS;
            }
            let colour = output::colour_enabled(output::Stream::Stderr);
            output::stderr_line(format_args!(
                "textclf: {} {}",
                output::paint("error:", "1;31", colour),
                describe(&err)
            ));
            ExitCode::from(exit_code(&err))
        }
    }
}

/// The error and its causes joined by `: `, each said once: an error whose message already
/// ends with its cause's (e.g. `path: No such file or directory`) does not repeat it.
fn describe(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
