//! Review: every readiness state and what each routing rule does in it, for people (a table),
//! machines (JSON) and pull requests (Mermaid).

pub mod diff;
pub mod events;
pub mod hidden;
pub mod matching;
pub mod native;
pub mod rules;
pub mod shares;
pub mod states;
