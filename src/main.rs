//! Parse, run, exit. Nothing else.

use clap::Parser;
use clap::error::ErrorKind;

use techrar_hooks::cli::{Cli, ColorWhen};
use techrar_hooks::error::{Error, code};
use techrar_hooks::output::Output;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => e.exit(),
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            std::process::exit(code::USAGE)
        }
        Err(e) => {
            // clap's own report spans several lines; ours is one.
            // clap's own report spans several lines; ours is one: the lines
            // before its first blank line, joined.
            let rendered = e.render().to_string();
            let summary: Vec<&str> = rendered
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let summary = summary.join(" ");
            let summary = summary.strip_prefix("error: ").unwrap_or(&summary);
            Output::new(ColorWhen::Auto).error(&format!("{summary}; see techrar-hooks --help"));
            std::process::exit(code::USAGE)
        }
    };
    let out = Output::new(cli.color);
    let exit = match techrar_hooks::run(&cli, &out) {
        Ok(status) => status.code(),
        Err(Error::BrokenPipe) => code::BROKEN_PIPE,
        Err(e) => {
            let message = match e.hint() {
                Some(hint) => format!("{e}; {hint}"),
                None => e.to_string(),
            };
            out.error(&message);
            e.code()
        }
    };
    std::process::exit(exit)
}
