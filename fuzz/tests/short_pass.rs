//! The bounded pass CI runs: every target, from its seeds and the committed
//! corpus, for a fixed number of mutated inputs with a fixed seed; any panic,
//! oracle disagreement or hang fails. Long runs: `cargo run --release -p
//! nfc-fuzz -- --seconds 60`.

use nfc_fuzz::engine::{fuzz, Options};
use std::path::Path;
use std::time::Duration;

#[test]
fn every_target_survives_a_short_pass() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut failures = Vec::new();
    for mut target in nfc_fuzz::targets::all() {
        let options = Options {
            executions: Some(20_000),
            duration: Some(Duration::from_secs(60)),
            seed: 7,
            corpus_dir: Some(corpus.join(target.name())),
            save: false,
            hang_after: Duration::from_secs(20),
        };
        let report = fuzz(target.as_mut(), &options, |_| {});
        println!(
            "{}: {} executions in {:.1} s, {} behaviours",
            report.target,
            report.executions,
            report.elapsed.as_secs_f64(),
            report.signatures
        );
        if let Some(failure) = report.failure {
            failures.push(format!("{}: {} on {:02x?}", report.target, failure.message, failure.input));
        }
        // The fuzzer explores: mutations reach behaviours the seeds do not.
        assert!(report.signatures >= 3, "{}: only {} behaviours seen", report.target, report.signatures);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
