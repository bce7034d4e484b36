//! The fuzzing loop: seeds and corpus in, mutate, run, keep what behaves
//! newly; a panic or an input that runs too long ends the run with it.

use crate::mutate::{Mutator, Rng};
use crate::targets::Target;
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Inputs kept in memory per run; past it, new behaviours are counted only.
const MAX_CORPUS: usize = 20_000;
/// Inputs a `save` run adds to the corpus directory: enough to seed the
/// next run with every kind of behaviour, few enough to keep in git.
const MAX_SAVED: usize = 300;

pub struct Options {
    /// Stop after this many executions (whichever limit comes first).
    pub executions: Option<u64>,
    pub duration: Option<Duration>,
    pub seed: u64,
    /// Read the corpus from here; with `save`, add new inputs to it and
    /// write failing inputs beside it.
    pub corpus_dir: Option<PathBuf>,
    pub save: bool,
    /// An execution that takes longer than this is a hang.
    pub hang_after: Duration,
}

#[derive(Debug)]
pub struct Failure {
    pub input: Vec<u8>,
    pub message: String,
}

#[derive(Debug)]
pub struct Report {
    pub target: String,
    pub executions: u64,
    pub elapsed: Duration,
    pub corpus: usize,
    pub signatures: usize,
    pub failure: Option<Failure>,
}

/// A name for an input file: its content hash.
fn file_name(input: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    input.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into())
}

pub fn fuzz(target: &mut dyn Target, options: &Options, mut progress: impl FnMut(&Report)) -> Report {
    let name = target.name();
    let mut corpus = target.seeds();
    if let Some(dir) = &options.corpus_dir {
        let mut paths: Vec<_> =
            std::fs::read_dir(dir).map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect()).unwrap_or_default();
        paths.sort();
        corpus.extend(paths.iter().filter_map(|p| std::fs::read(p).ok()));
    }
    let mut report = Report {
        target: name.clone(),
        executions: 0,
        elapsed: Duration::ZERO,
        corpus: 0,
        signatures: 0,
        failure: None,
    };

    // The watchdog: executions must keep coming; one that stalls is a hang.
    let executions = Arc::new(AtomicU64::new(0));
    let current = Arc::new(Mutex::new(Vec::new()));
    let finished = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let (executions, current, finished, hang_after, name) =
            (executions.clone(), current.clone(), finished.clone(), options.hang_after, name.clone());
        let crash_dir = options.save.then(|| options.corpus_dir.clone()).flatten();
        std::thread::spawn(move || {
            let (mut last, mut since) = (u64::MAX, Instant::now());
            while !finished.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                let now = executions.load(Ordering::Relaxed);
                if now != last {
                    (last, since) = (now, Instant::now());
                } else if since.elapsed() > hang_after && !finished.load(Ordering::Relaxed) {
                    let input = current.lock().map(|i| i.clone()).unwrap_or_default();
                    eprintln!("{name}: an input ran longer than {hang_after:?} (a hang): {input:02x?}");
                    if let Some(dir) = crash_dir {
                        let _ =
                            std::fs::write(dir.with_file_name(format!("hang-{name}-{}", file_name(&input))), &input);
                    }
                    std::process::exit(3);
                }
            }
        })
    };

    let mut signatures = HashSet::new();
    let mut kept = Vec::new();
    let mut mutator =
        Mutator { rng: Rng::new(options.seed), dictionary: target.dictionary(), max_len: target.max_len() };
    let mut rng = Rng::new(options.seed.rotate_left(17) ^ 0x5851_f42d_4c95_7f2d);
    let start = Instant::now();
    let mut last_progress = start;
    let mut pending_seeds = corpus.clone().into_iter();
    corpus.clear();
    let mut input = Vec::new();
    loop {
        let limit_reached = options.executions.is_some_and(|n| report.executions >= n)
            || options.duration.is_some_and(|d| start.elapsed() >= d);
        let seed = pending_seeds.next();
        let mutated = seed.is_none();
        if mutated && limit_reached {
            break;
        }
        match seed {
            Some(seed) => input = seed,
            None => {
                match corpus.len() {
                    0 => input.clear(),
                    n => input.clone_from(&corpus[rng.below(n)]),
                }
                mutator.mutate(&mut input, &corpus);
            }
        }
        current.lock().unwrap().clone_from(&input);
        let outcome = catch_unwind(AssertUnwindSafe(|| target.run(&input)));
        report.executions += 1;
        executions.store(report.executions, Ordering::Relaxed);
        match outcome {
            Ok(signature) => {
                if (signatures.insert(signature) || corpus.is_empty()) && corpus.len() < MAX_CORPUS {
                    corpus.push(input.clone());
                    // Seeds are already known; only what mutation found is saved.
                    if options.save && mutated && kept.len() < MAX_SAVED {
                        kept.push(input.clone());
                    }
                }
            }
            Err(payload) => {
                if let (true, Some(dir)) = (options.save, &options.corpus_dir) {
                    let _ = std::fs::write(dir.with_file_name(format!("crash-{name}-{}", file_name(&input))), &input);
                }
                report.failure = Some(Failure { input: input.clone(), message: panic_message(payload.as_ref()) });
                break;
            }
        }
        if last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            report.elapsed = start.elapsed();
            report.corpus = corpus.len();
            report.signatures = signatures.len();
            progress(&report);
        }
    }
    report.elapsed = start.elapsed();
    finished.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    report.corpus = corpus.len();
    report.signatures = signatures.len();
    if let (true, Some(dir)) = (options.save, &options.corpus_dir) {
        let _ = std::fs::create_dir_all(dir);
        for input in kept {
            let _ = std::fs::write(dir.join(file_name(&input)), input);
        }
    }
    report
}
