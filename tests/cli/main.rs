//! The one integration-test binary: it drives the real `techrar-hooks`.

mod support;

mod completions;
mod replay;
mod vectors;
mod verify;
