//! The one integration-test binary: it drives the real `techrar-hooks`.

mod support;

mod completions;
mod events;
mod fuzz_regressions;
mod listen;
mod properties;
mod replay;
mod send;
mod vectors;
mod verify;
