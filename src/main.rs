use clap::Parser;

fn main() -> std::process::ExitCode {
    match textclf::cli::Cli::try_parse() {
        Ok(cli) => textclf::cli::run(cli),
        Err(err) => textclf::cli::parse_failed(&err),
    }
}
