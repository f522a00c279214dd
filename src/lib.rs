pub mod error;
pub mod features;
pub mod lexicon;
pub mod normalize;
pub mod segment;
