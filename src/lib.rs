//! releasegen: the Kubernetes manifests of a progressive release, with the routing of every
//! readiness state computed ahead of time.
//!
//! Data flows one way, one module per stage:
//! `values` (text → positioned tree) → `model` (validated release) → `routing` (the routing
//! plan) and `objects` (Kubernetes objects) → `emit` (one YAML stream).

#![forbid(unsafe_code)]

pub mod emit;
pub mod model;
pub mod names;
pub mod objects;
pub mod problem;
pub mod routing;
pub mod values;

use problem::Problem;
use routing::State;

/// Which versions `--ready` declares ready.
#[derive(Clone, Debug, PartialEq)]
pub enum Ready {
    All,
    None,
    Versions(Vec<usize>),
}

impl std::str::FromStr for Ready {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "all" => Ok(Ready::All),
            "none" => Ok(Ready::None),
            list => list
                .split([',', '-'])
                .map(|p| p.trim().parse::<usize>().map_err(|_| format!("{p:?} is not a version index")))
                .collect::<Result<Vec<_>, _>>()
                .map(Ready::Versions)
                .map_err(|e| format!("{e}; use all, none, or version indices such as 0,1")),
        }
    }
}

impl Ready {
    fn state(&self, n: usize) -> Result<State, Problem> {
        let mut bits = 0u64;
        match self {
            Ready::All => bits = (1u64 << n) - 1,
            Ready::None => {}
            Ready::Versions(v) => {
                for &i in v {
                    if i >= n {
                        return Err(Problem::new("--ready", format!("version {i} does not exist; the release has {n} (0 to {})", n - 1)));
                    }
                    bits |= 1 << i;
                }
            }
        }
        Ok(State(bits))
    }
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub context: model::Context,
    pub ready: Option<Ready>,
    pub limits: values::Limits,
}

/// What a render produced: the YAML stream, and warnings for stderr.
#[derive(Debug)]
pub struct Rendered {
    pub yaml: String,
    pub warnings: Vec<Problem>,
}

/// Why a render failed; nothing may reach stdout then.
#[derive(Debug)]
pub struct Failure {
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl Failure {
    fn one(p: Problem) -> Self {
        Failure { errors: vec![p], warnings: vec![] }
    }
}

/// Parses and validates values into a release.
pub fn release(input: &[u8], opts: &Options) -> Result<(model::Release, Vec<Problem>), Failure> {
    let root = values::parse(input, opts.limits).map_err(Failure::one)?;
    let (release, report) = model::build(&root, &opts.context);
    match release {
        Some(r) if report.errors.is_empty() => Ok((r, report.warnings)),
        _ => Err(Failure { errors: report.errors, warnings: report.warnings }),
    }
}

/// The whole `render` pipeline, input bytes to YAML stream.
pub fn render(input: &[u8], opts: &Options) -> Result<Rendered, Failure> {
    let (release, warnings) = release(input, opts)?;
    let fail = |p: Problem| Failure { errors: vec![p], warnings: warnings.clone() };
    let plan = routing::plan(&release);
    let ready = match &opts.ready {
        Some(ready) => {
            if plan.is_none() {
                let msg = format!(
                    "strategy {} in environment {} has no routing object to emit",
                    release.strategy.name(),
                    release.env.name()
                );
                return Err(fail(Problem::new("--ready", msg)));
            }
            Some(ready.state(release.versions.len()).map_err(fail)?)
        }
        None => None,
    };
    let docs = objects::manifests(&release, plan.as_ref(), ready).map_err(fail)?;
    Ok(Rendered { yaml: emit::stream(&docs), warnings })
}
