//! The checked-in completion scripts match what the binary generates.

use std::path::Path;

use crate::support::th;

const REFRESH: &str = "cargo run -q -- completions --dir completions";

#[test]
fn checked_in_completions_are_fresh() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let mut stale = Vec::new();
    for (shell, file) in [
        ("bash", "techrar-hooks.bash"),
        ("zsh", "_techrar-hooks"),
        ("fish", "techrar-hooks.fish"),
        ("powershell", "_techrar-hooks.ps1"),
        ("elvish", "techrar-hooks.elv"),
    ] {
        let run = th(["completions", shell]).run();
        run.code(0);
        let checked_in = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        if checked_in != run.stdout {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale completions {stale:?}: refresh them with `{REFRESH}`"
    );
}

#[test]
fn completions_mention_every_subcommand() {
    let run = th(["completions", "bash"]).run();
    run.code(0).stdout_has("verify").stdout_has("completions");
    th(["completions", "tcsh"]).run().code(2).one_line_error("tcsh");
}
