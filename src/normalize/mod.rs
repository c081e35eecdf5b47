//! Normalization: from raw input rows to clean canonical records.
//!
//! ## Layout
//!
//! - [`mapping`]: header → field synonyms, user overrides, key-column choice.
//! - [`row`]: one input row → a [`row::NormalizedRow`] or a reject.
//! - [`phone`], [`email`], [`text`], [`datetime`]: pure value cleaners.
//! - [`dnc`]: the Do-Not-Contact snapshot every record is checked against.

pub mod datetime;
pub mod dnc;
pub mod email;
pub mod mapping;
pub mod phone;
pub mod row;
pub mod text;
