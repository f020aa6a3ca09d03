//! `textclf eval`: cross-validation and train → test reports.
use anyhow::Result;
use clap::Args;

/// Cross-validate classifiers and report per-class quality
#[derive(Debug, Args)]
pub struct EvalArgs {}

pub fn run(_args: EvalArgs, _quiet: bool) -> Result<()> {
    anyhow::bail!("not yet")
}
