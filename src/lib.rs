//! klaim: a claim classifier for diplomatic news.
//!
//! Raw page text -> [`segment`] -> sentences -> [`features`] -> [`model::Model`]
//! -> `demand` / `denial` / `warning` / `procedural` / `other` (LABELS.md).
//! The core knows nothing of the command line or of Python; `cli` and `python`
//! sit on top of it.

pub mod boilerplate;
pub mod classify;
pub mod corpus;
pub mod error;
pub mod input;
pub mod features;
pub mod lexicon;
pub mod metrics;
pub mod model;
pub mod normalize;
pub mod segment;
pub mod train;

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "python")]
mod python;





pub use error::{KlaimError, Result};
pub use model::{Model, Prediction};
pub use train::{train, Algorithm, TrainParams};
