//! One module per subcommand; this match is the only place that knows them all.

pub mod completions;
pub mod events;
pub mod listen;
pub mod replay;
pub mod send;
pub mod verify;

use crate::Status;
use crate::cli::{Cli, Command};
use crate::error::Result;
use crate::output::Output;

pub fn run(cli: &Cli, out: &Output) -> Result<Status> {
    match &cli.command {
        Command::Verify(args) => verify::run(args, out),
        Command::Listen(args) => listen::run(args, out),
        Command::Replay(args) => replay::run(args, out),
        Command::Events(args) => events::run(args, out),
        Command::Send(args) => send::run(args, out),
        Command::Completions(args) => completions::run(args),
    }
}
