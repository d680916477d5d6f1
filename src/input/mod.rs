//! Input: the text of values files, `--set`, Release documents and the routing-actions chart's
//! values, read into one tree that keeps every position; the live objects `route` reads; and
//! what the command line adds.

pub mod document;
pub mod limits;
pub mod live;
pub mod routing_actions;
pub mod sources;
pub mod values;
pub mod vocabulary;

/// What the command line adds to the values.
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub release_name: Option<String>,
    pub namespace: Option<String>,
    pub strict: bool,
    /// Why `namespace` is what it is, when `--namespace` did not say it ($HELM_NAMESPACE, the
    /// kubeconfig, the default): said on stderr whenever the release uses it.
    pub namespace_origin: Option<String>,
    /// `--api-versions`, as given (Helm's spelling: `group/version` or `group/version/Kind`).
    pub api_versions: Vec<String>,
}
