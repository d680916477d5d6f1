//! The command line's arguments: the commands, and the flag groups several of them take,
//! each declared once and flattened where it is taken.

use clap::{Args, Parser, Subcommand, ValueEnum};
use releasegen::problem::terminal_safe;
use releasegen::{Options, Ready, input::Context, input::values::Limits};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "releasegen",
    version,
    about = "Render the Kubernetes manifests of a progressive release, with the routing of every readiness state computed ahead of time."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// `defer`: a subcommand's arguments are built only when that subcommand is the one run.
/// Building every subcommand's `Common` flags on each start cost more than parsing the
/// values of a small release.
#[derive(Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Render the manifest set of a release from Iter8 `release` chart values.
    #[command(override_usage = "releasegen render [OPTIONS] [FILE]")]
    Render {
        /// Values file; stdin when absent or `-`.
        file: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        ready: ReadyFlags,
    },
    /// Write the routing object for the readiness that live objects on stdin show.
    ///
    /// stdin: the live objects of the kinds the environment uses (a kind the cluster lacks fails
    /// the whole get): `kubectl get deploy,svc,cm -n NS -l iter8.tools/watch=true -o json` for
    /// deployment environments, `kubectl get isvc,cm …` for KServe and ModelMesh.
    #[command(override_usage = "releasegen route [OPTIONS] [FILE] < LIVE-OBJECTS.json")]
    Route {
        /// Values file (stdin carries the live objects, so values come from files and --set).
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// Explain on stderr why each version counted as ready or not.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Helm post-renderer: expand every Release document of the stream on stdin.
    ///
    /// Helm 3: `--post-renderer releasegen --post-renderer-args post-render`;
    /// Helm 4: the `postrenderer/v1` plugin in `helm-plugin/`.
    #[command(override_usage = "releasegen post-render [OPTIONS] < HELM-STREAM")]
    PostRender {
        #[command(flatten)]
        ready: ReadyFlags,
        /// Let unknown keys through as warnings. Without it they are errors: Helm 3 shows a
        /// post-renderer's stderr only when it fails, so a warning would never be seen.
        #[arg(long)]
        allow_unknown: bool,
        /// Unknown keys are errors (the default here; kept for compatibility).
        #[arg(long, hide = true, conflicts_with = "allow_unknown")]
        strict: bool,
        #[command(flatten)]
        stream: StreamFlags,
    },
    /// KRM function: expand the Release documents of a ResourceList on stdin.
    ///
    /// `kpt fn eval --exec "releasegen krm"`, or a kustomize exec function.
    #[command(override_usage = "releasegen krm [OPTIONS] < RESOURCE-LIST")]
    Krm {
        #[command(flatten)]
        ready: ReadyFlags,
        #[command(flatten)]
        stream: StreamFlags,
    },
    /// Compare two sets of values: what changes for traffic in every readiness state, and which objects change.
    ///
    /// BASE and HEAD are values files, `-` (stdin, once), or `git:REF:PATH`, read with
    /// `git show REF:PATH` in the current repository. --name, --namespace, -f, --set,
    /// --set-string and --api-versions apply to both. Versions are matched by name.
    #[command(override_usage = "releasegen diff [OPTIONS] BASE HEAD")]
    Diff {
        /// The values before: a file, `-`, or `git:REF:PATH`.
        base: String,
        /// The values after: a file, `-`, or `git:REF:PATH`.
        head: String,
        #[command(flatten)]
        common: Common,
        /// text (a terminal; colour only there, and not with NO_COLOR), json, or markdown (a pull-request comment).
        #[arg(short, long, value_enum, default_value = "text")]
        output: DiffOutput,
        /// Exit 3 when the sides differ (0 when they do not); 1 stays invalid input and 2 a usage error, as for every command.
        #[arg(long)]
        exit_code: bool,
    },
    /// Print the values as releasegen combines them (files merged, then --set), as JSON.
    ///
    /// Nothing is validated: this shows what `render` would read, for checking a merge.
    #[command(override_usage = "releasegen values [OPTIONS] [FILE]")]
    Values {
        /// Values file; stdin when absent or `-`.
        file: Option<PathBuf>,
        #[command(flatten)]
        input: ValueFlags,
        #[command(flatten)]
        not_for_values: NotForValues,
    },
    /// Print the JSON Schema (draft 2020-12) of the release values.
    ///
    /// The same text as charts/releasegen/values.schema.json; point an editor at it
    /// (docs/guide/integrations.md, "Schema and completions").
    Schema {
        /// The schema of a Release document (`kind: Release`, the values under `spec`) instead.
        #[arg(long)]
        release: bool,
    },
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Show every readiness state and what each routing rule does in it.
    #[command(override_usage = "releasegen states [OPTIONS] [FILE]")]
    States {
        /// Values file; stdin when absent or `-`.
        file: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        output: Format,
    },
}

// The routing APIs the cluster serves: every command that writes a routing object.
#[derive(Args)]
pub struct ApiFlags {
    /// API versions the cluster serves, Helm's spelling (`group/version[/Kind]`, repeatable or
    /// comma-separated): routing objects use the newest listed that releasegen writes
    /// (networking.istio.io/v1, gateway.networking.k8s.io/v1); default v1beta1.
    #[arg(short = 'a', long = "api-versions", value_name = "GROUP/VERSION", value_delimiter = ',')]
    pub api_versions: Vec<String>,
}

// `--ready` and what goes with it: the commands that can add the live routing object.
#[derive(Args)]
pub struct ReadyFlags {
    /// Also emit the live routing object for this state: all, none, or the ready versions' indices, 0,1 or 0-1 (0-2 is versions 0 and 2, not a range).
    #[arg(long, value_name = "STATE", value_parser = ReadyParser, hide_possible_values = true)]
    pub ready: Option<Ready>,
    /// With --ready, leave out the Argo CD sync-wave annotations.
    #[arg(long)]
    pub no_sync_waves: bool,
}

// A stream of documents on stdin (`post-render`, `krm`): each release names itself.
#[derive(Args)]
pub struct StreamFlags {
    #[command(flatten)]
    pub api: ApiFlags,
    /// Refuse inputs larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 32 << 20)]
    pub max_input_bytes: usize,
}

// Where the values come from and how much may be read: every command that reads values.
// (Plain comments on the flag groups: clap would take a doc comment as the command's about.)
#[derive(Args)]
pub struct ValueFlags {
    /// Values file, repeatable: deep-merged in order, as Helm merges them; `-` reads stdin
    /// (except in `route`, whose stdin is the live objects).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Set a value, Helm syntax (`a.b=c`, `list[0].x=y`, `a={x,y}`), repeatable; applied after
    /// the files.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Like --set, but every value stays a string; applied after --set.
    #[arg(long = "set-string", value_name = "KEY=VALUE")]
    pub set_string: Vec<String>,
    /// Helm's other value flags, refused by name (see `unsupported`), so a Helm command line
    /// moved over is not met with clap's tip to pass the flag as a file name.
    #[arg(long = "set-json", value_name = "KEY=JSON", hide = true)]
    pub set_json: Vec<String>,
    #[arg(long = "set-file", value_name = "KEY=PATH", hide = true)]
    pub set_file: Vec<String>,
    #[arg(long = "set-literal", value_name = "KEY=VALUE", hide = true)]
    pub set_literal: Vec<String>,
    /// Refuse inputs larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 20)]
    pub max_input_bytes: usize,
}

// What a command that builds the release takes: the values, and what it makes of them.
#[derive(Args)]
pub struct Common {
    /// The release name (application name unless application.metadata.name is set).
    #[arg(long)]
    pub name: Option<String>,
    /// The release namespace (unless application.metadata.namespace is set); else
    /// $HELM_NAMESPACE, the kubeconfig's current context, or default, as Helm finds it.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub input: ValueFlags,
    #[command(flatten)]
    pub api: ApiFlags,
    /// Treat unknown keys, values the release ignores and cohorts no request reaches as errors instead of warnings.
    #[arg(long)]
    pub strict: bool,
}

// The flags of `render` that `values` does not take, hidden from its help and refused by
// name (`values_only`), so a render command line turned into `values` is told why.
#[derive(Args)]
pub struct NotForValues {
    #[arg(long, hide = true)]
    pub name: Option<String>,
    #[arg(short = 'n', long, hide = true)]
    pub namespace: Option<String>,
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',', hide = true)]
    pub api_versions: Vec<String>,
    #[arg(long, hide = true)]
    pub strict: bool,
}

/// Reads `--ready`. Its own parser so that shell completion offers `all` and `none` (the
/// only words it takes), while a list of indices such as `0,2` is accepted too.
#[derive(Clone)]
pub struct ReadyParser;

impl clap::builder::TypedValueParser for ReadyParser {
    type Value = Ready;

    fn parse_ref(&self, cmd: &clap::Command, arg: Option<&clap::Arg>, value: &std::ffi::OsStr) -> Result<Ready, clap::Error> {
        // clap's own string parser, so a bad value is reported as any other flag's is: the
        // flag, the value, why, and no usage line of another command.
        clap::builder::StringValueParser::new().try_map(|text| text.parse::<Ready>()).parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let values = [
            clap::builder::PossibleValue::new("all").help("every version ready"),
            clap::builder::PossibleValue::new("none").help("no version ready"),
        ];
        Some(Box::new(values.into_iter()))
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// A Markdown table (also for a terminal).
    Table,
    /// JSON, for machines.
    Json,
    /// A Mermaid flowchart per state, for a pull request.
    Mermaid,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DiffOutput {
    /// Lines for a terminal.
    Text,
    /// JSON, for machines: each state's traffic before and after, each object's JSON Patch.
    Json,
    /// A pull-request comment.
    Markdown,
}

impl Common {
    pub fn options(&self) -> Options {
        let (namespace, namespace_origin) = super::namespace::resolve(self.namespace.clone());
        let mut opts = Options {
            context: Context {
                release_name: self.name.clone(),
                namespace: Some(namespace),
                strict: self.strict,
                namespace_origin,
                api_versions: self.api.api_versions.clone(),
            },
            ..Options::default()
        };
        opts.limits = Limits::values(self.input.max_input_bytes);
        opts
    }
}

/// Options for `post-render` and `krm`: no name or namespace from the command line, since each
/// Release document carries its own (plain values default to `default`).
pub fn stream_options(strict: bool, stream: &StreamFlags) -> Options {
    let mut opts = Options { context: Context { strict, api_versions: stream.api.api_versions.clone(), ..Context::default() }, ..Options::default() };
    opts.limits = Limits::stream(stream.max_input_bytes);
    opts
}

/// `Cli::parse` without tearing clap's structures down again: the process is about to end,
/// and freeing them cost as much as building them.
pub fn parse_args() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let mut cmd = Cli::command();
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `releasegen help --help` asks for help about help: the general help, as `help` alone.
    if args.get(1).is_some_and(|a| a == "help") {
        args.retain(|a| a != "--help" && a != "-h");
    }
    let parsed = cmd.try_get_matches_from_mut(&args).and_then(|mut matches| {
        let cli = Cli::from_arg_matches_mut(&mut matches);
        std::mem::forget(matches);
        cli
    });
    match parsed {
        Ok(cli) => {
            std::mem::forget(cmd);
            cli
        }
        // What clap prints for --version, without the usage text it formats for every error
        // and then leaves out of this one.
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayVersion => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let ok = out.write_all(cmd.render_version().as_bytes()).and_then(|()| out.flush()).is_ok();
            std::process::exit(if ok { 0 } else { 1 })
        }
        Err(e) => {
            let hint = second_file_hint(&e);
            let e = e.format(&mut cmd);
            let Some(hint) = hint else { e.exit() };
            eprint!("{}", e.render());
            eprintln!("{hint}");
            std::process::exit(2)
        }
    }
}

/// `render a.yaml b.yaml`: a second file where one is taken. Helm merges several with `-f`, and
/// so does releasegen; clap alone would only say the argument is unexpected.
fn second_file_hint(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    if e.kind() != clap::error::ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else { return None };
    if arg.starts_with('-') {
        return None;
    }
    Some(format!("note: one values file is taken as an argument; to merge several, give each with -f, as with Helm: -f FIRST.yaml -f {}", terminal_safe(arg)))
}
