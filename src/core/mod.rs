//! The pure core: bytes and a `now` in, values out. Nothing in here touches
//! the network, the file system, the clock or an async runtime, so every
//! subcommand shares one tested implementation of the scheme and formats.

pub mod capture;
pub mod catalog;
pub mod compose;
pub mod diagnose;
pub mod duplicates;
pub mod envelope;
pub mod json_forms;
pub mod record;
pub mod secret;
pub mod select;
pub mod signature;
pub mod timestamp;
