//! The protocols around the pipeline: Helm's post-renderer stream, KRM function ResourceLists,
//! and the JSON Schema that editors and Helm check values with.

pub mod krm;
pub mod post_render;
pub mod schema;
