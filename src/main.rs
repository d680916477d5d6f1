//! The `releasegen` command line.

use clap::{Parser, Subcommand};
use releasegen::problem::Problem;
use releasegen::{Options, Ready, model::Context};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "releasegen", version, about = "Render the Kubernetes manifests of a progressive release, with the routing of every readiness state computed ahead of time.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render the manifest set of a release from Iter8 `release` chart values.
    Render {
        /// Values file; stdin when absent or `-`.
        file: Option<PathBuf>,
        /// The release name (application name unless application.metadata.name is set).
        #[arg(long)]
        name: Option<String>,
        /// The release namespace (unless application.metadata.namespace is set).
        #[arg(long, default_value = "default")]
        namespace: String,
        /// Also emit the live routing object for this state: all, none, or indices like 0,1.
        #[arg(long, value_name = "STATE")]
        ready: Option<Ready>,
        /// Treat unknown keys as errors instead of warnings.
        #[arg(long)]
        strict: bool,
        /// Refuse inputs larger than this many bytes.
        #[arg(long, value_name = "BYTES", default_value_t = 4 << 20)]
        max_input_bytes: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Render { file, name, namespace, ready, strict, max_input_bytes } => {
            let mut opts = Options {
                context: Context { release_name: name, namespace: Some(namespace), strict },
                ready,
                ..Options::default()
            };
            opts.limits.max_bytes = max_input_bytes;
            render(file, &opts)
        }
    }
}

fn render(file: Option<PathBuf>, opts: &Options) -> ExitCode {
    let source = file.as_ref().filter(|f| f.as_os_str() != "-");
    let label = source.map_or("<stdin>".to_string(), |f| f.display().to_string());
    let input = match read_input(source, opts.limits.max_bytes) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("error: cannot read {label}: {e}");
            return ExitCode::from(1);
        }
    };
    match releasegen::render(&input, opts) {
        Ok(out) => {
            report(&out.warnings, "warning", &label);
            write_stdout(out.yaml.as_bytes())
        }
        Err(failure) => {
            report(&failure.warnings, "warning", &label);
            report(&failure.errors, "error", &label);
            ExitCode::from(1)
        }
    }
}

/// Reads at most one byte past the limit, so a huge input is refused without being held.
fn read_input(file: Option<&PathBuf>, limit: usize) -> std::io::Result<Vec<u8>> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    match file {
        Some(path) => std::fs::File::open(path)?.take(cap).read_to_end(&mut bytes)?,
        None => std::io::stdin().lock().take(cap).read_to_end(&mut bytes)?,
    };
    Ok(bytes)
}

fn report(problems: &[Problem], kind: &str, label: &str) {
    let mut err = std::io::stderr().lock();
    for p in problems {
        let _ = writeln!(err, "{kind}: {p}");
        if let Some(pos) = p.pos {
            let _ = writeln!(err, "  --> {label}:{}:{}", pos.line, pos.col);
        }
    }
}

/// The whole stream is written at once, after everything succeeded. A reader that closes
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
