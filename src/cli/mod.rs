//! The command line: one module per command, the arguments and the flag groups they share
//! (`args`), and what every command does around its work (`io`). `main.rs` only starts it.

mod args;
mod diff;
mod io;
mod krm;
mod namespace;
mod post_render;
mod render;
mod route;
mod schema;
mod states;
mod values;

use args::Command;

/// The process's exit status. std's `ExitCode` cannot be turned back into a number, and
/// `main` returns one.
#[derive(Clone, Copy)]
pub struct ExitCode(pub u8);

impl ExitCode {
    pub const SUCCESS: ExitCode = ExitCode(0);

    pub fn from(code: u8) -> ExitCode {
        ExitCode(code)
    }
}

/// Parses the command line and runs the command.
pub fn run() -> ExitCode {
    match args::parse_args().command {
        Command::Render { file, common, ready } => render::run(file, &common, &ready),
        Command::Route { file, common, verbose } => route::run(file, &common, verbose),
        Command::PostRender { ready, allow_unknown, strict: _, stream } => post_render::run(&ready, allow_unknown, &stream),
        Command::Krm { ready, stream } => krm::run(&ready, &stream),
        Command::Values { file, input, not_for_values } => values::run(file, &input, &not_for_values),
        Command::Schema { release } => schema::schema(release),
        Command::Completions { shell } => schema::completions(shell),
        Command::Diff { base, head, common, output, exit_code } => diff::run(&base, &head, &common, output, exit_code),
        Command::States { file, common, output } => states::run(file, &common, output),
    }
}
