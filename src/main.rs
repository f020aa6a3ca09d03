use clap::Parser;

fn main() -> std::process::ExitCode {
    textclf::cli::run(textclf::cli::Cli::parse())
}
