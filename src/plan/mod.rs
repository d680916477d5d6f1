//! The routing plan: per release, one tree of routing rules guarded by the versions' weights
//! (`tree`), built by one builder per routing API (`istio`, `gateway`) from `routing::plan`,
//! evaluated for any readiness state (`state`); and which state the live objects of a cluster
//! show (`live`).

pub mod affinity;
mod gateway;
mod istio;
pub mod live;
pub mod routing;
mod shared;
pub mod state;
pub mod tree;
