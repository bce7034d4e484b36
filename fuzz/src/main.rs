//! `nfc-fuzz`: fuzz the packet views, every generated NF and the spec
//! frontends, with a progress line per second and a summary table.
#![forbid(unsafe_code)]

use clap::Parser;
use nfc_fuzz::engine::{fuzz, Options};
use nfc_fuzz::targets;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Mutation fuzzing of nfc's packet views, generated NFs (against the interpreter) and spec frontends")]
struct Cli {
    /// Targets to run (default: all); see --list.
    targets: Vec<String>,
    /// Seconds per target.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Executions per target (stops at whichever limit comes first).
    #[arg(long)]
    executions: Option<u64>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Add new inputs to fuzz/corpus/<target>/ and write failing ones beside it.
    #[arg(long)]
    save: bool,
    /// List the targets.
    #[arg(long)]
    list: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut all = targets::all();
    if cli.list {
        all.iter().for_each(|t| println!("{}", t.name()));
        return ExitCode::SUCCESS;
    }
    let unknown: Vec<_> = cli.targets.iter().filter(|n| !all.iter().any(|t| &t.name() == *n)).collect();
    if !unknown.is_empty() {
        eprintln!("nfc-fuzz: unknown target(s) {unknown:?}; --list shows them");
        return ExitCode::FAILURE;
    }
    let corpus_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut rows = Vec::new();
    let mut failed = false;
    for target in all.iter_mut().filter(|t| cli.targets.is_empty() || cli.targets.contains(&t.name())) {
        let options = Options {
            executions: cli.executions,
            duration: Some(Duration::from_secs_f64(cli.seconds)),
            seed: cli.seed,
            corpus_dir: Some(corpus_root.join(target.name())),
            save: cli.save,
            hang_after: Duration::from_secs(5),
        };
        let report = fuzz(target.as_mut(), &options, |r| {
            eprintln!(
                "{}: {} executions, {:.0}/s, corpus {}",
                r.target,
                r.executions,
                r.executions as f64 / r.elapsed.as_secs_f64(),
                r.corpus
            )
        });
        if let Some(failure) = &report.failure {
            eprintln!("{}: FAILED on {:02x?}: {}", report.target, failure.input, failure.message);
            failed = true;
        }
        rows.push(report);
    }
    println!("| target | executions | seconds | executions/s | corpus | behaviours | result |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    for r in &rows {
        let secs = r.elapsed.as_secs_f64();
        let result = if r.failure.is_some() { "FAILED" } else { "ok" };
        println!(
            "| {} | {} | {:.1} | {:.0} | {} | {} | {result} |",
            r.target,
            r.executions,
            secs,
            r.executions as f64 / secs,
            r.corpus,
            r.signatures
        );
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
