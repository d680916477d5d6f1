//! `releasegen schema` and `releasegen completions`: what editors and shells read.

use super::ExitCode;
use super::args::Cli;
use super::io::write_stdout;

pub fn schema(release: bool) -> ExitCode {
    let schema = if release { releasegen::frontends::schema::release_schema() } else { releasegen::frontends::schema::schema() };
    write_stdout(releasegen::frontends::schema::text(&schema).as_bytes())
}

pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "releasegen", &mut out);
    write_stdout(&out)
}
