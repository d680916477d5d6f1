//! Kubernetes objects: the release's workloads, Services, weight-config ConfigMaps and routemap,
//! and KServe's own InferenceService, built as data.

pub mod kube;
pub mod native;
pub mod objects;
pub mod parts;
