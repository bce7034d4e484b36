//! `nfc`: check a spec, print the Rust it compiles to, run its test cases,
//! run it with the reference interpreter on any backend the runtime has.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use nfc_compiler::diag::Diagnostic;
use nfc_compiler::{interp::Interpreter, testcase, Checked};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "nfc", version, about = "The nfc network-function compiler")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report every error and warning in a spec.
    Check { spec: PathBuf },
    /// Print the Rust code generated for a spec.
    Expand { spec: PathBuf },
    /// Run the test cases kept in specs, with the reference interpreter.
    Test {
        #[arg(required = true)]
        specs: Vec<PathBuf>,
    },
    /// Run a spec with the reference interpreter, without compiling it:
    /// the runtime's options follow the spec (`nfc run SPEC --help`), e.g.
    /// `nfc run router.toml --pcap-in lan=in.pcap --pcap-out wan=out.pcap`.
    // `--help` after the spec is the runtime's, which knows the ports.
    #[command(disable_help_flag = true)]
    Run {
        spec: PathBuf,
        /// Options of the deployment binary: a backend and its ports.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        options: Vec<std::ffi::OsString>,
    },
    /// Print a synthetic spec at scale (for benchmarks and build-time tests).
    Synth {
        #[arg(value_enum)]
        kind: SynthKind,
        /// Prefixes (router) or rules (acl).
        size: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SynthKind {
    /// An IPv4 router with a BGP-like LPM table.
    Router,
    /// A ClassBench-like stateless ACL.
    Acl,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check { spec } => match load(&spec) {
            Some(checked) => {
                println!(
                    "{}: ok ({} rules, {} tables, {} test cases)",
                    spec.display(),
                    checked.spec.rules.len(),
                    checked.spec.tables.len(),
                    checked.spec.tests.len()
                );
                ExitCode::SUCCESS
            }
            None => ExitCode::FAILURE,
        },
        Command::Expand { spec } => match load(&spec) {
            Some(checked) => {
                let tokens = nfc_compiler::codegen::generate(&checked.spec);
                match syn::parse2::<syn::File>(tokens.clone()) {
                    Ok(file) => print!("{}", prettyplease::unparse(&file)),
                    Err(_) => println!("{tokens}"),
                }
                ExitCode::SUCCESS
            }
            None => ExitCode::FAILURE,
        },
        Command::Test { specs } => {
            let (mut passed, mut failed) = (0, 0);
            for path in &specs {
                let Some(checked) = load(path) else {
                    failed += 1;
                    continue;
                };
                let mut nf = Interpreter::new(&checked.spec);
                let failures = testcase::run(&checked.spec, &mut nf);
                for failure in &failures {
                    eprintln!("FAIL {}:{}: test `{}`: {}", path.display(), failure.line, failure.name, failure.reason);
                }
                passed += checked.spec.tests.len() - failures.len();
                failed += failures.len();
            }
            println!("{passed} passed, {failed} failed");
            if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::Run { spec, options } => {
            let Some(checked) = load(&spec) else { return ExitCode::FAILURE };
            let ports: Vec<&str> = checked.spec.ports.iter().map(|port| port.name.as_str()).collect();
            let program = format!("nfc run {}", spec.display());
            nfc_runtime::app::main_with_args(
                &checked.spec.name,
                &ports,
                Interpreter::new(&checked.spec),
                &program,
                options,
            )
        }
        Command::Synth { kind, size, seed } => {
            print!(
                "{}",
                match kind {
                    SynthKind::Router => nfc_compiler::synth::router(size, seed),
                    SynthKind::Acl => nfc_compiler::synth::acl(size, seed),
                }
            );
            ExitCode::SUCCESS
        }
    }
}

/// Compile a spec, printing its warnings, or all its errors and `None`.
fn load(path: &Path) -> Option<Checked> {
    let print = |diagnostics: &[Diagnostic]| diagnostics.iter().for_each(|d| eprintln!("{d}"));
    match nfc_compiler::compile_file(path) {
        Ok(checked) => {
            print(&checked.warnings);
            Some(checked)
        }
        Err(errors) => {
            print(&errors);
            eprintln!("{}: {} error(s)", path.display(), errors.len());
            None
        }
    }
}
