//! `completions`: shell completion scripts from the same clap definition.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::Status;
use crate::cli::{Cli, CompletionsArgs};
use crate::error::{Error, Result, describe_io};

const BIN: &str = "techrar-hooks";

/// Every shell we ship a script for, with the file name it is checked in as.
pub const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "techrar-hooks.bash"),
    (Shell::Zsh, "_techrar-hooks"),
    (Shell::Fish, "techrar-hooks.fish"),
    (Shell::PowerShell, "_techrar-hooks.ps1"),
    (Shell::Elvish, "techrar-hooks.elv"),
];

/// The completion script for `shell`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut buffer);
    buffer
}

pub fn run(args: &CompletionsArgs) -> Result<Status> {
    if let Some(dir) = &args.dir {
        write_all(dir)?;
        return Ok(Status::Success);
    }
    let shell = args.shell.expect("clap requires a shell without --dir");
    use std::io::Write;
    std::io::stdout().write_all(&script(shell))?;
    Ok(Status::Success)
}

fn write_all(dir: &Path) -> Result<()> {
    let failed = |e: std::io::Error| Error::FlagInvalid {
        flag: "--dir",
        why: format!("{}: {}", dir.display(), describe_io(&e)),
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    for (shell, name) in SHELLS {
        std::fs::write(dir.join(name), script(shell)).map_err(failed)?;
    }
    Ok(())
}
