//! `textclf completions` and `textclf man`: generated from the same definitions as `--help`.

use anyhow::Result;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::io::Write;

/// Print a shell completion script
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  textclf completions bash > ~/.local/share/bash-completion/completions/textclf\n  textclf completions zsh > ~/.zfunc/_textclf"
)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell
    pub shell: Shell,
}

/// Print the manual page (roff) for textclf
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  textclf man > textclf.1 && man ./textclf.1")]
pub struct ManArgs {}

/// Runs `textclf completions`: writes the completion script for the chosen shell to stdout.
pub fn completions(args: CompletionsArgs) -> Result<()> {
    // Generated into memory first: the generator panics on a write error (e.g. `| head`).
    let mut script = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut super::Cli::command(),
        "textclf",
        &mut script,
    );
    super::output::stdout().write_all(&script)?;
    Ok(())
}

/// Runs `textclf man`: writes the roff manual page to stdout.
pub fn man(_args: ManArgs) -> Result<()> {
    clap_mangen::Man::new(super::Cli::command()).render(&mut super::output::stdout())?;
    Ok(())
}
