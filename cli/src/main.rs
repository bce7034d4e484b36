//! `nfc`: check a spec, print the Rust it compiles to, run its test cases,
//! run it with the reference interpreter on any backend the runtime has.
#![forbid(unsafe_code)]

mod check;
mod new_crate;
mod test_packets;

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
    /// Create a deployment crate: the spec (a commented starter unless
    /// --spec), a main.rs compiling it, and its test cases under `cargo test`.
    New {
        /// The directory to create; its name is the crate's.
        path: PathBuf,
        /// The spec to start from (copied into the crate); default: a starter spec.
        #[arg(long, value_name = "FILE")]
        spec: Option<PathBuf>,
        /// The nfc checkout (or its `nfc` crate directory) to depend on; default:
        /// the checkout this nfc was built from.
        #[arg(long, value_name = "DIR")]
        nfc_path: Option<PathBuf>,
    },
    /// Report every error and warning in specs.
    Check {
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// `json`: one JSON object per line on stdout, for editors and CI.
        #[arg(long, value_enum, default_value = "human")]
        message_format: check::MessageFormat,
    },
    /// Print the Rust code generated for specs.
    Expand {
        #[arg(required = true)]
        specs: Vec<PathBuf>,
    },
    /// Run the test cases kept in specs, with the reference interpreter.
    Test {
        #[arg(required = true)]
        specs: Vec<PathBuf>,
    },
    /// Run a spec with the reference interpreter, without compiling it:
    /// the options are a deployment binary's (`nfc run SPEC --help` names
    /// the spec's ports), e.g.
    /// `nfc run router.toml --pcap-in lan=in.pcap --pcap-out wan=out.pcap`.
    // `--help` after the spec goes to the runtime, which knows the ports.
    #[command(disable_help_flag = true)]
    Run {
        /// Print help; after SPEC, with the spec's ports.
        #[arg(short, long)]
        help: bool,
        spec: Option<PathBuf>,
        /// Options of the deployment binary: a backend and its ports.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        options: Vec<std::ffi::OsString>,
    },
    /// Write a spec's test packets as captures, DIR/PORT.pcap for each port
    /// a test case sends into, to replay them on the software model
    /// (`--model-traffic PORT=DIR/PORT.pcap`) or anywhere captures are read.
    Packets {
        spec: PathBuf,
        /// The directory to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
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
    /// An IPv4 router with a BGP-like LPM table (16 next hops).
    Router,
    /// The same router, every route with a next-hop MAC of its own.
    Hosts,
    /// A ClassBench-like stateless ACL.
    Acl,
    /// A three-stage router (ACL, LPM, next hops) whose entries each carry
    /// their own parameters (a MAC per host route).
    Pipeline,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::New { path, spec, nfc_path } => match new_crate::create(&path, spec.as_deref(), nfc_path.as_deref()) {
            Ok(created) => {
                report_created(&created);
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("nfc new: {error}");
                ExitCode::FAILURE
            }
        },
        Command::Check { specs, message_format } => {
            // Every spec is checked, even after one failed.
            let failed = specs.iter().filter(|spec| !check::check(spec, message_format)).count();
            exit_code(failed == 0)
        }
        Command::Expand { specs } => {
            let mut ok = true;
            for spec in &specs {
                let Some(checked) = load(spec) else {
                    ok = false;
                    continue;
                };
                if specs.len() > 1 {
                    println!("// {}", spec.display());
                }
                let tokens = nfc_compiler::codegen::generate(&checked.spec);
                match syn::parse2::<syn::File>(tokens.clone()) {
                    Ok(file) => print!("{}", prettyplease::unparse(&file)),
                    Err(_) => println!("{tokens}"),
                }
            }
            exit_code(ok)
        }
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
            exit_code(failed == 0)
        }
        Command::Run { help, spec: None, .. } => {
            let about = "Runs SPEC with the reference interpreter, without compiling it. The options are those\n\
                of the deployment binary compiled from SPEC; `nfc run SPEC --help` names its ports.\n";
            if help {
                let options = nfc_runtime::app::command("SPEC", &[], "nfc run SPEC").render_long_help();
                print!("{about}\n{options}");
                ExitCode::SUCCESS
            } else {
                eprint!("error: nfc run needs a SPEC\n\nUsage: nfc run SPEC [OPTIONS]\n\n{about}");
                ExitCode::from(2)
            }
        }
        Command::Run { help, spec: Some(spec), mut options } => {
            if help {
                options.insert(0, "--help".into());
            }
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
        Command::Packets { spec, out } => {
            let Some(checked) = load(&spec) else { return ExitCode::FAILURE };
            match test_packets::write(&checked, &out) {
                Ok(written) => {
                    let mut replay = Vec::new();
                    for capture in &written {
                        println!(
                            "{}: {} test packet(s) into port {}",
                            capture.path.display(),
                            capture.packets,
                            capture.port
                        );
                        replay.push(format!("--model-traffic {}={}", capture.port, capture.path.display()));
                    }
                    println!("replay them on the model with: {}", replay.join(" "));
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("nfc packets: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Synth { kind, size, seed } => {
            print!(
                "{}",
                match kind {
                    SynthKind::Router => nfc_compiler::synth::router(size, seed),
                    SynthKind::Hosts => nfc_compiler::synth::hosts(size, seed),
                    SynthKind::Acl => nfc_compiler::synth::acl(size, seed),
                    SynthKind::Pipeline => nfc_compiler::synth::pipeline(size, seed),
                }
            );
            ExitCode::SUCCESS
        }
    }
}

fn exit_code(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn report_created(created: &new_crate::Created) {
    let spec = &created.checked.spec;
    let ports: Vec<&str> = spec.ports.iter().map(|p| p.name.as_str()).collect();
    println!(
        "Created {}: {} (type {}, ports {}, {} test case(s)), nfc from {}{}",
        created.dir.display(),
        created.spec_file,
        nfc_compiler::codegen::type_name(&spec.name),
        ports.join(", "),
        spec.tests.len(),
        created.nfc.display(),
        if created.lock_copied { " (its Cargo.lock copied)" } else { "" }
    );
    println!("Next:");
    println!("    cd {}", created.dir.display());
    println!("    cargo test             # the spec's test cases against the compiled code");
    println!("    cargo run --release    # on the software 82599 model; `-- --help` lists ports and backends");
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
