//! techrar-hooks: listen to, verify, send and replay Techrar webhooks.
//!
//! `core` is pure (the signature scheme, the envelope, capture formats, log
//! records); `cmd` holds one module per subcommand on top of it.

pub mod cli;
pub mod clock;
pub mod cmd;
pub mod config;
pub mod core;
pub mod deliver;
pub mod error;
pub mod input;
pub mod output;
pub mod store;

use cli::Cli;
use error::Result;
use output::Output;

/// How a run that did not fail ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Everything checked out (exit 0).
    Success,
    /// The answer is no: a signature not valid, a delivery without a 2xx (exit 1).
    No,
}

impl Status {
    pub fn code(self) -> i32 {
        match self {
            Status::Success => error::code::SUCCESS,
            Status::No => error::code::NO,
        }
    }
}

pub fn run(cli: &Cli, out: &Output) -> Result<Status> {
    cmd::run(cli, out)
}
