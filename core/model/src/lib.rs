//! The shared vocabulary of skillwright: what a pack is made of, how problems are described, the
//! session context every package carries, and the package formats the build writes and the
//! runtime reads back (integrity manifest, context file).
//!
//! This crate depends on no other skillwright crate. The build (`skillwright-build`) turns sources
//! into these types and packages; the runtime (`skillwright-runtime`) reads packages. Neither may
//! reach into the other: what both need lives here.

#![forbid(unsafe_code)]

pub mod component;
pub mod context;
pub mod diag;
pub mod forms;
pub mod fsio;
pub mod hookspec;
pub mod integrity;
pub mod names;
pub mod pack;
pub mod rules;
pub mod skill;
pub mod source;
pub mod text;
pub mod words;

pub use diag::{Diagnostic, Severity};
pub use pack::Pack;
pub use skill::{Skill, SkillSet};
