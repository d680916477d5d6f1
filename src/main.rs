//! The `releasegen` command line.

// `main` is the C entry point (see there) and `arena` the allocator: the only unsafe code is
// main's two declarations and that module.
#![no_main]
#![deny(unsafe_code)]

use clap::{Args, Parser, Subcommand, ValueEnum};
use releasegen::problem::{Problem, Severity, terminal_safe};
use releasegen::{Report, Options, Ready, input::Context, input::sources::{STDIN, Source}, input::values::Limits};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::ffi::{c_char, c_int};

mod arena;
/// The command line's longer commands, each a module of its own.
mod cli {
    pub mod diff;
}

/// See `arena`: a render's small blocks are cut from one chunk, not kept by glibc one by one.
#[global_allocator]
static ALLOCATOR: arena::Arena = arena::Arena;


#[derive(Parser)]
#[command(
    name = "releasegen",
    version,
    about = "Render the Kubernetes manifests of a progressive release, with the routing of every readiness state computed ahead of time."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// `defer`: a subcommand's arguments are built only when that subcommand is the one run.
/// Building every subcommand's `Common` flags on each start cost more than parsing the
/// values of a small release.
#[derive(Subcommand)]
#[command(defer = true)]
enum Command {
    /// Render the manifest set of a release from Iter8 `release` chart values.
    #[command(override_usage = "releasegen render [OPTIONS] [FILE]")]
    Render {
        /// Values file; stdin when absent or `-`.
        file: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// Also emit the live routing object for this state: all, none, or the ready versions' indices, 0,1 or 0-1 (0-2 is versions 0 and 2, not a range).
        #[arg(long, value_name = "STATE", value_parser = ReadyParser, hide_possible_values = true)]
        ready: Option<Ready>,
        /// With --ready, leave out the Argo CD sync-wave annotations.
        #[arg(long)]
        no_sync_waves: bool,
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
        /// Also emit each release's live routing object for this state.
        #[arg(long, value_name = "STATE", value_parser = ReadyParser, hide_possible_values = true)]
        ready: Option<Ready>,
        /// With --ready, leave out the Argo CD sync-wave annotations.
        #[arg(long)]
        no_sync_waves: bool,
        /// Let unknown keys through as warnings. Without it they are errors: Helm 3 shows a
        /// post-renderer's stderr only when it fails, so a warning would never be seen.
        #[arg(long)]
        allow_unknown: bool,
        /// Unknown keys are errors (the default here; kept for compatibility).
        #[arg(long, hide = true, conflicts_with = "allow_unknown")]
        strict: bool,
        /// API versions the cluster serves (`group/version[/Kind]`): routing objects use the
        /// newest listed that releasegen writes; default v1beta1.
        #[arg(short = 'a', long = "api-versions", value_name = "GROUP/VERSION", value_delimiter = ',')]
        api_versions: Vec<String>,
        /// Refuse streams larger than this many bytes.
        #[arg(long, value_name = "BYTES", default_value_t = 32 << 20)]
        max_input_bytes: usize,
    },
    /// KRM function: expand the Release documents of a ResourceList on stdin.
    ///
    /// `kpt fn eval --exec "releasegen krm"`, or a kustomize exec function.
    #[command(override_usage = "releasegen krm [OPTIONS] < RESOURCE-LIST")]
    Krm {
        /// Also emit each release's live routing object for this state.
        #[arg(long, value_name = "STATE", value_parser = ReadyParser, hide_possible_values = true)]
        ready: Option<Ready>,
        /// API versions the cluster serves (`group/version[/Kind]`): routing objects use the
        /// newest listed that releasegen writes; default v1beta1.
        #[arg(short = 'a', long = "api-versions", value_name = "GROUP/VERSION", value_delimiter = ',')]
        api_versions: Vec<String>,
        /// Refuse inputs larger than this many bytes.
        #[arg(long, value_name = "BYTES", default_value_t = 32 << 20)]
        max_input_bytes: usize,
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

// Where the values come from and how much may be read: every command that reads values.
// (Plain comments on the flag groups: clap would take a doc comment as the command's about.)
#[derive(Args)]
struct ValueFlags {
    /// Values file, repeatable: deep-merged in order, as Helm merges them; `-` reads stdin
    /// (except in `route`, whose stdin is the live objects).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    values: Vec<PathBuf>,
    /// Set a value, Helm syntax (`a.b=c`, `list[0].x=y`, `a={x,y}`), repeatable; applied after
    /// the files.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Like --set, but every value stays a string; applied after --set.
    #[arg(long = "set-string", value_name = "KEY=VALUE")]
    set_string: Vec<String>,
    /// Helm's other value flags, refused by name (see `unsupported`), so a Helm command line
    /// moved over is not met with clap's tip to pass the flag as a file name.
    #[arg(long = "set-json", value_name = "KEY=JSON", hide = true)]
    set_json: Vec<String>,
    #[arg(long = "set-file", value_name = "KEY=PATH", hide = true)]
    set_file: Vec<String>,
    #[arg(long = "set-literal", value_name = "KEY=VALUE", hide = true)]
    set_literal: Vec<String>,
    /// Refuse inputs larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 20)]
    max_input_bytes: usize,
}

// What a command that builds the release takes: the values, and what it makes of them.
#[derive(Args)]
struct Common {
    /// The release name (application name unless application.metadata.name is set).
    #[arg(long)]
    name: Option<String>,
    /// The release namespace (unless application.metadata.namespace is set); else
    /// $HELM_NAMESPACE, the kubeconfig's current context, or default, as Helm finds it.
    #[arg(short = 'n', long)]
    namespace: Option<String>,
    #[command(flatten)]
    input: ValueFlags,
    /// API versions the cluster serves, Helm's spelling (`group/version[/Kind]`, repeatable or
    /// comma-separated): routing objects use the newest listed that releasegen writes
    /// (networking.istio.io/v1, gateway.networking.k8s.io/v1); default v1beta1.
    #[arg(short = 'a', long = "api-versions", value_name = "GROUP/VERSION", value_delimiter = ',')]
    api_versions: Vec<String>,
    /// Treat unknown keys, values the release ignores and cohorts no request reaches as errors instead of warnings.
    #[arg(long)]
    strict: bool,
}

// The flags of `render` that `values` does not take, hidden from its help and refused by
// name (`values_only`), so a render command line turned into `values` is told why.
#[derive(Args)]
struct NotForValues {
    #[arg(long, hide = true)]
    name: Option<String>,
    #[arg(short = 'n', long, hide = true)]
    namespace: Option<String>,
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',', hide = true)]
    api_versions: Vec<String>,
    #[arg(long, hide = true)]
    strict: bool,
}

/// Reads `--ready`. Its own parser so that shell completion offers `all` and `none` (the
/// only words it takes), while a list of indices such as `0,2` is accepted too.
#[derive(Clone)]
struct ReadyParser;

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
enum Format {
    /// A Markdown table (also for a terminal).
    Table,
    /// JSON, for machines.
    Json,
    /// A Mermaid flowchart per state, for a pull request.
    Mermaid,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffOutput {
    /// Lines for a terminal.
    Text,
    /// JSON, for machines: each state's traffic before and after, each object's JSON Patch.
    Json,
    /// A pull-request comment.
    Markdown,
}

impl Common {
    fn options(&self) -> Options {
        let (namespace, namespace_origin) = releasegen::input::namespace::resolve(self.namespace.clone());
        let mut opts = Options {
            context: Context {
                release_name: self.name.clone(),
                namespace: Some(namespace),
                strict: self.strict,
                namespace_origin,
                api_versions: self.api_versions.clone(),
            },
            ..Options::default()
        };
        opts.limits = Limits::values(self.input.max_input_bytes);
        opts
    }
}

/// Options for `post-render` and `krm`: no name or namespace from the command line, since each
/// Release document carries its own (plain values default to `default`).
fn stream_options(strict: bool, max_input_bytes: usize) -> Options {
    let mut opts = Options { context: Context { strict, ..Context::default() }, ..Options::default() };
    opts.limits = Limits::stream(max_input_bytes);
    opts
}

/// The process entry point, called by the C runtime in place of std's runtime start-up. That
/// start-up finds the main thread's stack guard by reading `/proc/self/maps` with `sscanf`,
/// for a stack-overflow message: more instructions than parsing a small release's values.
/// What it did that releasegen needs is done here: SIGPIPE ignored, so a reader
/// that closes early is an error to handle (`write_stdout`) and not a kill; and a panic ends
/// the process with status 101 after its message, as before. Arguments still come from
/// `std::env::args_os`, which std reads for itself.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    ignore_sigpipe();
    let code = std::panic::catch_unwind(run).unwrap_or(ExitCode(101));
    c_int::from(code.0)
}

#[cfg(unix)]
fn ignore_sigpipe() {
    #[allow(unsafe_code)]
    unsafe extern "C" {
        /// POSIX `signal(2)`. Setting a signal's disposition to "ignore" touches no memory of
        /// ours, so the call is safe whatever the arguments.
        safe fn signal(signum: c_int, handler: usize) -> usize;
    }
    const SIGPIPE: c_int = 13;
    const SIG_IGN: usize = 1;
    signal(SIGPIPE, SIG_IGN);
}

#[cfg(not(unix))]
fn ignore_sigpipe() {}

/// The process's exit status. std's `ExitCode` cannot be turned back into a number, and
/// `main` returns one.
#[derive(Clone, Copy)]
struct ExitCode(u8);

impl ExitCode {
    const SUCCESS: ExitCode = ExitCode(0);

    fn from(code: u8) -> ExitCode {
        ExitCode(code)
    }
}

fn run() -> ExitCode {
    match parse_args().command {
        Command::Render { file, common, ready, no_sync_waves } => {
            let mut opts = common.options();
            opts.ready = ready;
            opts.sync_waves = !no_sync_waves;
            let (labels, root, notes) = try_values!(file, &common.input, &opts, true);
            // The process ends once the stream is written: the objects are not freed one by
            // one first (a tenth of a small render's instructions).
            let rendered = releasegen::render_values(root, &opts).map(|r| {
                std::mem::forget(r.objects);
                (r.yaml, r.warnings)
            });
            finish(&labels, noted(notes, rendered))
        }
        Command::Route { file, common, verbose } => {
            let opts = common.options();
            let (labels, root, notes) = try_values!(file, &common.input, &opts, false);
            let live = match read_input(None, opts.limits.max_bytes, "the live objects (kubectl get … -o json)") {
                Ok(bytes) => bytes,
                Err(e) => return fail_read(STDIN, &e),
            };
            let routed = releasegen::route_values(root, &live, &opts);
            if verbose && let Ok(r) = &routed {
                let mut err = std::io::stderr().lock();
                r.explain.iter().for_each(|l| drop(writeln!(err, "{}", terminal_safe(l))));
            }
            finish(&labels, noted(notes, routed.map(|r| (r.yaml, r.warnings))))
        }
        Command::PostRender { ready, no_sync_waves, allow_unknown, strict: _, api_versions, max_input_bytes } => {
            let mut opts = stream_options(!allow_unknown, max_input_bytes);
            opts.context.api_versions = api_versions;
            opts.ready = ready;
            opts.sync_waves = !no_sync_waves;
            let (label, input) = try_read!(None, &opts, "Helm's rendered stream");
            finish(&[label], releasegen::frontends::post_render::run(&input, &opts))
        }
        Command::Krm { ready, api_versions, max_input_bytes } => {
            let mut opts = stream_options(false, max_input_bytes);
            opts.context.api_versions = api_versions;
            opts.ready = ready;
            let (_, input) = try_read!(None, &opts, "a ResourceList");
            let out = releasegen::frontends::krm::run(&input, &opts);
            // The KRM protocol wants the ResourceList, with its results, even on failure.
            match (write_stdout(out.text.as_bytes()), out.ok) {
                (code, true) => code,
                (_, false) => ExitCode::from(1),
            }
        }
        Command::Values { file, input, not_for_values } => {
            if let Err(code) = unsupported(&input).and_then(|()| values_only(&not_for_values)) {
                return code;
            }
            let opts = Options { limits: Limits::values(input.max_input_bytes), ..Options::default() };
            let (labels, root, notes) = try_values!(file, &input, &opts, true);
            let text = format!("{}\n", serde_json::to_string_pretty(&root.to_json()).unwrap_or_default());
            finish(&labels, Ok((text, notes)))
        }
        Command::Schema { release } => {
            let schema = if release { releasegen::frontends::schema::release_schema() } else { releasegen::frontends::schema::schema() };
            write_stdout(releasegen::frontends::schema::text(&schema).as_bytes())
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "releasegen", &mut out);
            write_stdout(&out)
        }
        Command::Diff { base, head, common, output, exit_code } => cli::diff::run(&base, &head, &common, output, exit_code),
        Command::States { file, common, output } => {
            let opts = common.options();
            let (labels, root, notes) = try_values!(file, &common.input, &opts, true);
            let format = match output {
                Format::Table => releasegen::StatesFormat::Table,
                Format::Json => releasegen::StatesFormat::Json,
                Format::Mermaid => releasegen::StatesFormat::Mermaid,
            };
            finish(&labels, noted(notes, releasegen::states_values(root, &opts, format).map(|r| (r.yaml, r.warnings))))
        }
    }
}

/// `Cli::parse` without tearing clap's structures down again: the process is about to end,
/// and freeing them cost as much as building them.
fn parse_args() -> Cli {
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

/// Reads and combines the values sources (`sources::combine`), or ends the command with the
/// reason. Gives the label of each source, for messages.
macro_rules! try_values {
    ($file:expr, $common:expr, $opts:expr, $stdin_ok:expr) => {{
        match values_sources($file, $common, $opts.limits.max_bytes, $stdin_ok) {
            Err(code) => return code,
            Ok(sources) => {
                let labels: Vec<String> = sources.iter().map(Source::label).collect();
                match releasegen::input::sources::combine(&sources, $opts.limits) {
                    Ok((root, notes)) => (labels, root, notes),
                    Err(p) => return finish(&labels, Err(Report::one(p))),
                }
            }
        }
    }};
}
use try_values;

/// The values sources in order: the positional file, each `-f`, then `--set` and
/// `--set-string`. With no file, stdin — except for `route`, whose stdin is the live objects.
fn values_sources(file: Option<PathBuf>, input: &ValueFlags, max_bytes: usize, stdin_ok: bool) -> Result<Vec<Source>, ExitCode> {
    unsupported(input)?;
    let mut files: Vec<PathBuf> = file.into_iter().chain(input.values.iter().cloned()).collect();
    let is_stdin = |f: &PathBuf| f.as_os_str() == "-";
    if !stdin_ok && files.iter().any(is_stdin) {
        eprintln!("error: route reads the live objects on stdin (kubectl get … -o json); give the values as a file, not -");
        return Err(ExitCode::from(2));
    }
    if !stdin_ok && files.is_empty() {
        eprintln!("error: route needs the values as a file (FILE or -f FILE): stdin carries the live objects");
        return Err(ExitCode::from(2));
    }
    if files.iter().filter(|f| is_stdin(f)).count() > 1 {
        eprintln!("error: stdin (-) is given more than once as a values file");
        return Err(ExitCode::from(2));
    }
    if files.is_empty() {
        files.push(PathBuf::from("-"));
    }
    let mut sources = Vec::new();
    for f in files {
        let path = Some(f).filter(|f| !is_stdin(f));
        let label = path.as_ref().map_or(releasegen::input::sources::STDIN.to_string(), |f| f.display().to_string());
        match read_input(path.as_ref(), max_bytes, "the release values") {
            Ok(bytes) => sources.push(Source::File { label, bytes }),
            Err(e) => return Err(fail_read(&label, &e)),
        }
    }
    sources.extend(input.set.iter().cloned().map(Source::Set));
    sources.extend(input.set_string.iter().cloned().map(Source::SetString));
    Ok(sources)
}

/// `values` prints the merged values and nothing else: a flag that would change a render has
/// nothing to change here, so it is refused by name rather than accepted and ignored.
fn values_only(given: &NotForValues) -> Result<(), ExitCode> {
    let given = [
        ("--name", given.name.is_some()),
        ("--namespace", given.namespace.is_some()),
        ("--api-versions", !given.api_versions.is_empty()),
        ("--strict", given.strict),
    ];
    let Some((flag, _)) = given.iter().find(|(_, set)| *set) else { return Ok(()) };
    eprintln!("error: {flag} changes what `render` makes of the values; `values` only prints them as merged (nothing is validated or rendered), so it does not take {flag}. To check the values, run `releasegen render --strict` with the same files");
    Err(ExitCode::from(2))
}

/// Helm value flags releasegen does not take yet: a usage error that says what to use instead,
/// never a guess at what the flag meant.
fn unsupported(input: &ValueFlags) -> Result<(), ExitCode> {
    let given = [("--set-json", &input.set_json), ("--set-file", &input.set_file), ("--set-literal", &input.set_literal)];
    let Some((flag, _)) = given.iter().find(|(_, v)| !v.is_empty()) else { return Ok(()) };
    eprintln!("error: {flag} is a Helm flag releasegen does not take; use --set, --set-string, or a values file (-f)");
    Err(ExitCode::from(2))
}

/// Reads the values file (or stdin), or ends the command with the reason.
macro_rules! try_read {
    ($file:expr, $opts:expr, $what:expr) => {{
        let file: Option<PathBuf> = $file;
        let source = file.filter(|f| f.as_os_str() != "-");
        let label = source.as_ref().map_or(STDIN.to_string(), |f| f.display().to_string());
        match read_input(source.as_ref(), $opts.limits.max_bytes, $what) {
            Ok(bytes) => (label, bytes),
            Err(e) => return fail_read(&label, &e),
        }
    }};
}
use try_read;

fn fail_read(label: &str, e: &std::io::Error) -> ExitCode {
    eprintln!("error: cannot read {label}: {e}");
    ExitCode::from(1)
}

/// Reports problems, and writes the output only when everything succeeded.
/// `labels` names each values source (`Pos::source`), so a position names its own file or
/// `--set` expression.
/// The warnings found while reading the values (keys Helm reads otherwise), first, before
/// those of the command.
fn noted(notes: Vec<Problem>, result: Result<(String, Vec<Problem>), Report>) -> Result<(String, Vec<Problem>), Report> {
    let first = |mut warnings: Vec<Problem>| {
        warnings.splice(0..0, notes);
        warnings
    };
    match result {
        Ok((text, warnings)) => Ok((text, first(warnings))),
        Err(f) => Err(Report { errors: f.errors, warnings: first(f.warnings) }),
    }
}

fn finish(labels: &[String], result: Result<(String, Vec<Problem>), Report>) -> ExitCode {
    match result {
        Ok((text, warnings)) => {
            report(&warnings, Severity::Warning, labels);
            write_stdout(text.as_bytes())
        }
        Err(failure) => {
            report(&failure.warnings, Severity::Warning, labels);
            report(&failure.errors, Severity::Error, labels);
            ExitCode::from(1)
        }
    }
}

/// Reads at most one byte past the limit, so a huge input is refused without being held.
/// `what` names the input for the note a person at a terminal gets: a command waiting on a
/// terminal for input nobody knew it wanted looks like a hang.
fn read_input(file: Option<&PathBuf>, limit: usize, what: &str) -> std::io::Result<Vec<u8>> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    match file {
        Some(path) => std::fs::File::open(path)?.take(cap).read_to_end(&mut bytes)?,
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprintln!("note: reading {what} from standard input (a terminal): type or paste, then Ctrl-D; or give a file");
            }
            stdin.lock().take(cap).read_to_end(&mut bytes)?
        }
    };
    Ok(bytes)
}

/// At most this many problems of a kind are printed; the rest are counted.
const SHOWN_PROBLEMS: usize = 20;

fn report(problems: &[Problem], severity: Severity, labels: &[String]) {
    let kind = severity.as_str();
    // In the order a reader meets them: problems of the flags first, then by source, line and
    // column (validation finds them in its own order, by part of the values).
    let mut problems: Vec<&Problem> = problems.iter().collect();
    problems.sort_by_key(|p| p.pos.map(|at| (at.source, at.line, at.col)));
    let mut err = std::io::stderr().lock();
    if problems.len() > SHOWN_PROBLEMS {
        let _ = writeln!(err, "{kind}: {} {kind}s; the first {SHOWN_PROBLEMS} follow", problems.len());
    }
    for p in problems.into_iter().take(SHOWN_PROBLEMS) {
        // Keys, values and live object names are user text: escaped, so none can forge a line
        // (`\nerror: FAKE`) or colour the terminal.
        let _ = writeln!(err, "{kind}: {}", terminal_safe(&p.to_string()));
        if let Some(pos) = p.pos {
            let source = p.source.as_deref().or(labels.get(pos.source).map(String::as_str)).unwrap_or(STDIN);
            if source.starts_with("--set") {
                let _ = writeln!(err, "  --> {}, column {}", terminal_safe(source), pos.col);
            } else {
                let _ = writeln!(err, "  --> {}:{}:{}", terminal_safe(source), pos.line, pos.col);
            }
        }
    }
}

/// The whole output is written at once, after everything succeeded. A reader that closes
/// early (`| head -1`) is not an error.
fn write_stdout(bytes: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            ExitCode::from(1)
        }
    }
}
