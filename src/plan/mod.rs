//! The routing plan: per release, one tree of routing rules guarded by the versions' weights,
//! evaluated for any readiness state; and which state the live objects of a cluster show.

pub mod affinity;
pub mod live;
pub mod routing;
