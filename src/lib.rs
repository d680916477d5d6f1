//! releasegen: the Kubernetes manifests of a progressive release, with the routing of every
//! readiness state computed ahead of time.
//!
//! The stages, each a folder, data flowing one way (ARCHITECTURE.md; `tests/architecture.rs`
//! fails on an import that climbs):
//!
//! 1. `input`: text, files, `--set`, Release documents → one tree of values with positions;
//! 2. `model`: validation → the release every later stage reads;
//! 3. `plan`: the routing plan, and the readiness state live objects show;
//! 4. `emit`: the writers (YAML, the Go template of the plan, the per-state program);
//! 5. `render`: the Kubernetes objects of a release;
//! 6. `review`: the states for people;
//! 7. this file: the orchestration of the commands;
//! 8. `frontends`: Helm's post-renderer, KRM functions, the schema.
//!
//! `problem` (diagnostics) is shared by all.

#![forbid(unsafe_code)]

pub mod emit;
pub mod frontends;
pub mod input;
pub mod model;
pub mod plan;
pub mod problem;
pub mod render;
pub mod review;

use input::{document, routing_actions, values};
use model::validate;
use plan::routing::{self, State};
use plan::live;
pub use problem::Report;
use problem::Problem;
use render::objects;
use review::states;

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
    pub fn state_of(&self, n: usize) -> Result<State, Problem> {
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

#[derive(Clone, Debug)]
pub struct Options {
    pub context: input::Context,
    pub ready: Option<Ready>,
    pub limits: values::Limits,
    /// With `ready`: Argo CD sync waves, workloads "0" and routing "1".
    pub sync_waves: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { context: input::Context::default(), ready: None, limits: values::Limits::default(), sync_waves: true }
    }
}

/// What a render produced: the YAML stream, warnings for stderr, and the objects the stream
/// was written from.
#[derive(Debug)]
pub struct Rendered {
    pub yaml: String,
    pub warnings: Vec<Problem>,
    pub objects: Vec<serde_json::Value>,
}

/// Parses and validates values into a release.
/// Plain values and a Release document are both accepted.
pub fn release(input: &[u8], opts: &Options) -> Result<(model::Release, Vec<Problem>), Report> {
    let root = values::parse(input, opts.limits).map_err(Report::one)?;
    release_of(&root, &opts.context)
}

/// Validates one parsed document (values or a Release document) into a release.
pub fn release_of(root: &values::Node, ctx: &input::Context) -> Result<(model::Release, Vec<Problem>), Report> {
    let (values, ctx, prefix) = document::values_of(root, ctx).map_err(Report::one)?;
    let unknown = document::unknown_keys(root);
    if ctx.strict && !unknown.is_empty() {
        return Err(Report::of(unknown, vec![]));
    }
    let with_unknown = |mut warnings: Vec<Problem>| {
        warnings.splice(0..0, unknown);
        warnings
    };
    match release_of_values(values, &ctx, prefix) {
        Ok((r, warnings)) => Ok((r, with_unknown(warnings))),
        Err(f) => Err(f.warnings_with(with_unknown)),
    }
}

/// The release values inside a document (the release chart's or the routing-actions chart's).
fn release_of_values(values: &values::Node, ctx: &input::Context, prefix: &str) -> Result<(model::Release, Vec<Problem>), Report> {
    let fix = |ps: Vec<Problem>| ps.into_iter().map(|p| document::prefixed(p, prefix)).collect::<Vec<_>>();
    if routing_actions::is_routing_actions(values) {
        let t = routing_actions::translate(values).map_err(|p| Report::one(document::prefixed(p, prefix)))?;
        let (release, report) = validate::build(&t.values, ctx);
        let rename = |ps: Vec<Problem>| {
            fix(ps.into_iter().map(|mut p| {
                p.path = routing_actions::chart_path(&p.path);
                p
            }).collect())
        };
        // Unknown keys of the chart's values are errors under --strict, as everywhere.
        let (mut errors, mut warnings) = if ctx.strict { (fix(t.warnings), vec![]) } else { (vec![], fix(t.warnings)) };
        warnings.extend(rename(report.warnings));
        errors.extend(rename(report.errors));
        return match release {
            Some(mut r) if errors.is_empty() => {
                r.weights_only = t.weights_only;
                Ok((r, warnings))
            }
            _ => Err(Report::of(errors, warnings)),
        };
    }
    let (release, report) = validate::build(values, ctx);
    let (errors, warnings) = (fix(report.errors), fix(report.warnings));
    match release {
        Some(r) if errors.is_empty() => Ok((r, warnings)),
        _ => Err(Report::of(errors, warnings)),
    }
}

/// The whole `render` pipeline, input bytes to YAML stream.
pub fn render(input: &[u8], opts: &Options) -> Result<Rendered, Report> {
    render_values(values::parse(input, opts.limits).map_err(Report::one)?, opts)
}

/// `render` of values already read (several files and `--set` combined by `sources`). The
/// values are dropped once the release is built: nothing later reads them, and they need not
/// share memory with the objects and the stream.
pub fn render_values(root: values::Node, opts: &Options) -> Result<Rendered, Report> {
    let (release, mut warnings) = release_of(&root, &opts.context)?;
    drop(root);
    let plan = routing::plan(&release);
    if opts.ready.is_some() && plan.is_none() {
        warnings.push(nothing_to_route(&release));
    }
    let docs = manifests_with(&release, plan.as_ref(), opts).map_err(|p| Report::fail(p, &warnings))?;
    // After the manifests: building the routemap refuses a release too large for it, whose
    // states are too many to read one by one.
    warnings = hidden_cohorts(&release, plan.as_ref(), &opts.context, warnings)?;
    let yaml = emit::stream(&docs);
    if yaml.len() > opts.limits.max_output {
        return Err(Report::fail(opts.limits.output_problem("the rendered stream"), &warnings));
    }
    Ok(Rendered { yaml, warnings, objects: docs })
}

/// `--ready` on a release that has no routing object: everything else is rendered, and this
/// note says so on stderr. Not an error, so one Argo CD setting (`--ready all`) can serve
/// every release, routed or not.
fn nothing_to_route(release: &model::Release) -> Problem {
    let msg = format!(
        "strategy {} in environment {} has no routing object; nothing to route, the rest of the release is rendered",
        release.strategy.name(),
        release.env.name()
    );
    Problem::new("--ready", msg)
}

/// A release's manifest set under `opts`: with `--ready`, when the release routes, also the
/// live routing object and the Argo CD sync waves. `render`, `post-render` and `krm` all
/// expand releases through here; a release that does not route ignores `--ready` (`render`
/// says so on stderr).
pub fn manifests_for(release: &model::Release, opts: &Options) -> Result<Vec<serde_json::Value>, Problem> {
    manifests_with(release, routing::plan(release).as_ref(), opts)
}

/// `manifests_for` with the release's plan already built.
fn manifests_with(release: &model::Release, plan: Option<&routing::Tree>, opts: &Options) -> Result<Vec<serde_json::Value>, Problem> {
    let ready = match (&opts.ready, plan) {
        (Some(r), Some(_)) => Some(r.state_of(release.versions.len())?),
        _ => None,
    };
    render::manifests(release, plan, ready, opts.sync_waves)
}

/// A cohort no request reaches in some readiness state (`states::hidden_cohorts`): a warning,
/// and under `--strict` an error, since a tester who sends the cohort's header would silently
/// reach another version.
fn hidden_cohorts(release: &model::Release, plan: Option<&routing::Tree>, ctx: &input::Context, mut warnings: Vec<Problem>) -> Result<Vec<Problem>, Report> {
    let Some(plan) = plan else { return Ok(warnings) };
    let found = review::hidden::hidden_cohorts(release, plan);
    if ctx.strict && !found.is_empty() {
        return Err(Report::of(found, warnings));
    }
    warnings.extend(found);
    Ok(warnings)
}

/// What `route` produced: the routing object, and per version why it counted as ready or not.
#[derive(Debug)]
pub struct Routed {
    pub yaml: String,
    pub explain: Vec<String>,
    pub warnings: Vec<Problem>,
}

/// The routing object for the readiness the live objects show.
pub fn route(values_input: &[u8], live_input: &[u8], opts: &Options) -> Result<Routed, Report> {
    route_values(values::parse(values_input, opts.limits).map_err(Report::one)?, live_input, opts)
}

/// `route` of values already read (dropped once the release is built).
pub fn route_values(root: values::Node, live_input: &[u8], opts: &Options) -> Result<Routed, Report> {
    let (release, warnings) = release_of(&root, &opts.context)?;
    drop(root);
    let fail = |p: Problem| Report::fail(p, &warnings);
    let Some(plan) = routing::plan(&release) else {
        let msg = format!("strategy {} in environment {} has no routing object", release.strategy.name(), release.env.name());
        return Err(fail(Problem::new("application.strategy", msg)));
    };
    let live = live::read(live_input, opts.limits, &release.namespace).map_err(fail)?;
    let verdicts = live.judge(&release);
    let mut warnings = warnings;
    warnings.extend(verdicts.iter().flat_map(|v| v.warnings.iter().cloned()));
    if !live.has_any_of(&release) {
        warnings.push(nothing_of_the_release(&release, &live));
    }
    let state = live::state(&verdicts);
    let overrides: Vec<Option<u32>> = verdicts.iter().map(|v| v.weight_override).collect();
    let weights = routing::state_weights(&release, state, &overrides);
    // An annotated weight can be anything the controller parses (up to 4294967295). Above what
    // the routing object's API takes, the controller's apply fails and the routing stays as it
    // is; `route` refuses the same state, so a loop that applies its output leaves the routing
    // as it is too, and says why.
    let max = release.env.max_weight();
    if let Some((i, w)) = weights.iter().enumerate().find(|&(_, &w)| w > max) {
        let name = &release.versions[i].target.name;
        let msg = format!(
            "version {i} ({name}) has weight {w} from its iter8.tools/weight annotation, above the {max} the routing object's API takes; the Iter8 controller's apply would be refused too; nothing is routed until the annotation is at most {max}"
        );
        return Err(Report::fail(Problem::new("iter8.tools/weight", msg).in_source(live::SOURCE), &warnings));
    }
    let mut explain = Vec::new();
    for (i, (v, verdict)) in release.versions.iter().zip(&verdicts).enumerate() {
        let status = if verdict.ready { "ready" } else { "not ready" };
        explain.push(format!("version {i} ({}): {status}, weight {}", v.target.name, weights[i]));
        explain.extend(verdict.why.iter().map(|w| format!("  {w}")));
    }
    explain.push(format!("state {}: weights {:?}", state.label(release.versions.len()), weights));
    let yaml = emit::stream(&[plan.at(&weights)]);
    Ok(Routed { yaml, explain, warnings })
}

/// How `states` writes its review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatesFormat {
    /// A Markdown table, also for a terminal.
    Table,
    Json,
    /// A Mermaid flowchart per state.
    Mermaid,
}

/// Live objects that hold nothing of the release: said on stderr, since the usual cause is a
/// wrong `--namespace` or kubectl context, and the result routes as "nothing ready".
fn nothing_of_the_release(release: &model::Release, live: &live::Live) -> Problem {
    let (name, ns) = (&release.name, &release.namespace);
    let msg = if live.empty_list {
        format!("the live objects are an empty List: nothing of release {name} is deployed in namespace {ns} yet; routing as nothing ready")
    } else {
        format!(
            "no live object belongs to release {name} in namespace {ns} (saw {}); check --namespace and the kubectl context; routing as nothing ready",
            live.seen()
        )
    };
    Problem::new("", msg).in_source(live::SOURCE)
}

/// Every readiness state, for review, in `format`.
pub fn states(input: &[u8], opts: &Options, format: StatesFormat) -> Result<Rendered, Report> {
    states_values(values::parse(input, opts.limits).map_err(Report::one)?, opts, format)
}

/// `states` of values already read (dropped once the release is built).
pub fn states_values(root: values::Node, opts: &Options, format: StatesFormat) -> Result<Rendered, Report> {
    let (release, warnings) = release_of(&root, &opts.context)?;
    drop(root);
    let pretty = |v: serde_json::Value| format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default());
    let plan = routing::plan(&release);
    if let Some(plan) = &plan {
        objects::routemap_fits(&release, plan).map_err(|p| Report::fail(p, &warnings))?;
    }
    let warnings = hidden_cohorts(&release, plan.as_ref(), &opts.context, warnings)?;
    let text = match (plan, format) {
        (Some(plan), f) => {
            let rows = states::rows(&release, &plan);
            match f {
                StatesFormat::Table => states::table(&release, &rows),
                StatesFormat::Json => pretty(states::json(&release, &rows)),
                StatesFormat::Mermaid => states::mermaid(&release, &rows),
            }
        }
        (None, StatesFormat::Json) if release.env.kserve_native() => pretty(review::native::json(&release)),
        (None, StatesFormat::Mermaid) if release.env.kserve_native() => review::native::mermaid(&release),
        (None, _) if release.env.kserve_native() => review::native::table(&release),
        (None, StatesFormat::Json) => pretty(states::unrouted_json(&release)),
        (None, StatesFormat::Mermaid) => states::unrouted_mermaid(&release),
        (None, StatesFormat::Table) => states::unrouted_table(&release),
    };
    if text.len() > opts.limits.max_output {
        return Err(Report::fail(opts.limits.output_problem("the review of every state"), &warnings));
    }
    Ok(Rendered { yaml: text, warnings, objects: vec![] })
}

/// How `diff` writes its comparison.
pub enum DiffFormat {
    /// For a terminal; colour when asked.
    Text { colour: bool },
    Json,
    /// A pull-request comment.
    Markdown,
}

/// A comparison of two sets of values: the text, whether anything differs, and the warnings
/// of each side (base, head), whose positions point into that side's sources.
pub struct Diffed {
    pub text: String,
    pub changed: bool,
    pub warnings: [Vec<Problem>; 2],
}

/// Which side of a `diff` failed: 0 the base, 1 the head.
pub type Side = usize;

pub fn diff_values(base: values::Node, head: values::Node, opts: &Options, format: DiffFormat) -> Result<Diffed, (Side, Report)> {
    let (base, base_warnings) = diff_side(&base, opts).map_err(|f| (0, f))?;
    let (head, head_warnings) = diff_side(&head, opts).map_err(|f| (1, f))?;
    let d = review::diff::compare(base, head);
    let text = match format {
        DiffFormat::Text { colour } => review::diff::text(&d, &review::diff::Colour(colour)),
        DiffFormat::Json => format!("{}\n", serde_json::to_string_pretty(&review::diff::json(&d)).unwrap_or_default()),
        DiffFormat::Markdown => review::diff::markdown(&d),
    };
    if text.len() > opts.limits.max_output {
        return Err((1, Report::fail(opts.limits.output_problem("the comparison"), &head_warnings)));
    }
    Ok(Diffed { text, changed: d.changed(), warnings: [base_warnings, head_warnings] })
}

/// One side of a `diff`: the release as `states` and `render` see it.
fn diff_side(root: &values::Node, opts: &Options) -> Result<(review::diff::Side, Vec<Problem>), Report> {
    let (release, warnings) = release_of(root, &opts.context)?;
    let plan = routing::plan(&release);
    // The manifests first: building the routemap is what refuses a release too large for it
    // (whose states are too many to read one by one), and it is built once.
    let plain = Options { ready: None, ..opts.clone() };
    let objects = manifests_with(&release, plan.as_ref(), &plain).map_err(|p| Report::fail(p, &warnings))?;
    let warnings = hidden_cohorts(&release, plan.as_ref(), &opts.context, warnings)?;
    let (rows, routing) = match &plan {
        Some(plan) => {
            let n = release.versions.len();
            (states::rows(&release, plan), State::all(n).map(|s| routing::object_for(&release, plan, s)).collect())
        }
        None => (Vec::new(), Vec::new()),
    };
    let side = review::diff::Side {
        name: release.name.clone(),
        environment: release.env.name().to_string(),
        strategy: release.strategy.name().to_string(),
        versions: release.versions.iter().map(|v| v.name.clone()).collect(),
        rows,
        routing,
        objects,
        kserve_split: release.env.kserve_native().then(|| release.versions.iter().map(|v| v.name.clone()).zip(review::native::rows(&release)).collect()),
        members: review::events::members(&release),
    };
    Ok((side, warnings))
}
