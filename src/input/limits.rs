//! What one input may cost: its size, nesting, alias expansion, number of values, and the bytes
//! of manifests a run may generate from it. The reader of `values` enforces the input limits as
//! it reads; the later stages check the output limit as they write.

use crate::problem::Problem;

/// Limits on what one input may cost. The defaults fit any real release by a wide margin;
/// together they keep every run within about 2 s and 256 MiB (`benches/worst-case`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_depth: usize,
    /// Nodes that aliases may add by copying anchored subtrees (defeats "billion laughs").
    pub max_alias_nodes: usize,
    /// Values (scalars, lists and mappings) one document may hold (the value limit): far
    /// above any release, and low enough that the copies later stages make fit in memory.
    pub max_values: usize,
    /// Bytes of manifests one run may generate (the output limit). One release stays well
    /// below it (its routemap is at most 1 MiB, its copies of inherited values 8 MiB); a
    /// stream of many Releases (`post-render`, `krm`) may not, and is refused as soon as it
    /// passes it, before work and memory grow further.
    pub max_output: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::values(4 << 20)
    }
}

impl Limits {
    /// For release values (`render`, `states`, `route`): one value per 8 bytes (524,288 for
    /// 4 MiB) and four times the input as output (16 MiB).
    pub fn values(max_bytes: usize) -> Self {
        Limits {
            max_bytes,
            max_depth: 100,
            max_alias_nodes: 10_000,
            max_values: (max_bytes / 8).max(1024),
            max_output: max_bytes.saturating_mul(4),
        }
    }

    /// For streams of many objects (`post-render`, `krm`; 32 MiB by default): the same
    /// 524,288 values and 16 MiB of generated manifests at the default size. Objects passed
    /// through do not count as output.
    pub fn stream(max_bytes: usize) -> Self {
        Limits { max_values: (max_bytes / 64).max(1024), max_output: max_bytes / 2, ..Limits::values(max_bytes) }
    }

    /// The problem for output that passed `max_output`.
    pub fn output_problem(&self, what: &str) -> Problem {
        Problem::input(format!(
            "{what} would be more than {} bytes (the output limit; --max-input-bytes raises it); split the input",
            self.max_output
        ))
    }
}
