//! The one integration-test binary: it drives the real `techrar-hooks`.

mod support;

mod completions;
mod events;
mod send;
mod vectors;
mod verify;
