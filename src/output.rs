//! Where output goes and how it looks, decided once.
//!
//! Data goes to stdout, talk (warnings, notes, progress) to stderr. Colour is
//! for people only: on a terminal, without `NO_COLOR`, unless `--color` says
//! otherwise; decided separately for each stream.

use std::io::{IsTerminal, Write};

use colored::{Color, Colorize};

use crate::cli::ColorWhen;
use crate::error::Result;

#[derive(Clone, Copy, Debug)]
pub struct Output {
    pub color: bool,
    pub err_color: bool,
    /// Whether a person is at the terminal (for prompts and progress bars).
    pub interactive: bool,
}

impl Output {
    pub fn new(when: ColorWhen) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |tty: bool| match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => tty && !no_color,
        };
        // We decide per stream ourselves; colored must not second-guess it.
        colored::control::set_override(true);
        Output {
            color: decide(std::io::stdout().is_terminal()),
            err_color: decide(std::io::stderr().is_terminal()),
            interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
        }
    }

    /// `text` in `color` on stdout when colouring it.
    pub fn paint(&self, text: &str, color: Color) -> String {
        if self.color {
            text.color(color).to_string()
        } else {
            text.to_string()
        }
    }

    /// `text` dimmed on stdout when colouring it.
    pub fn dim(&self, text: &str) -> String {
        if self.color {
            text.dimmed().to_string()
        } else {
            text.to_string()
        }
    }

    /// One line of data on stdout. A closed pipe becomes `Error::BrokenPipe`.
    pub fn line(&self, text: &str) -> Result<()> {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.write_all(b"\n")?;
        Ok(())
    }

    /// A value as one compact JSON line on stdout.
    pub fn json(&self, value: &serde_json::Value) -> Result<()> {
        self.line(&value.to_string())
    }

    pub fn warn(&self, text: &str) {
        let label = if self.err_color {
            "warning:".yellow().bold().to_string()
        } else {
            "warning:".into()
        };
        eprintln!("{label} {text}");
    }

    pub fn note(&self, text: &str) {
        let label = if self.err_color {
            "note:".cyan().to_string()
        } else {
            "note:".into()
        };
        eprintln!("{label} {text}");
    }

    /// The one-line error that ends a run.
    pub fn error(&self, text: &str) {
        let label = if self.err_color {
            "error:".red().bold().to_string()
        } else {
            "error:".into()
        };
        eprintln!("{label} {text}");
    }
}

/// A byte count for people: `512 B`, `1.2 KiB`, `3.4 MiB`.
pub fn size(bytes: usize) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{:.1} MiB", b / KIB / KIB)
    }
}
