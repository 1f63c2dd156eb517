//! The one integration-test binary: it drives the real `techrar-hooks`.

mod support;

mod bad_input;
mod completions;
mod crash;
mod events;
mod fuzz_regressions;
mod hostile;
mod listen;
mod properties;
mod replay;
mod secrets;
mod send;
mod soak;
mod vectors;
mod verify;
