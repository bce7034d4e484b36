//! Tables loaded at run time: the generated loader and the interpreter read
//! the same entries file into functions that agree byte for byte; a bad file
//! is refused with file:line:column and the table in use stays; the binary
//! refuses to start without its file and swaps a new one in on SIGHUP.

use nfc_compiler::interp::Interpreter;
use nfc_compiler::ir::{Field, TestPacket};
use nfc_compiler::testpkt;
use nfc_examples::loaded::{LoadedAcl, LoadedRouter};
use nfc_examples::process_copy;
use nfc_runtime::NetworkFunction;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("specs")
}

fn spec(name: &str) -> nfc_compiler::ir::Spec {
    let path = specs_dir().join(name);
    nfc_compiler::compile_file(&path).unwrap_or_else(|e| panic!("{e:?}")).spec
}

/// Load every loaded table of `nf` from `files` (in loaded-table order).
fn load(nf: &mut impl NetworkFunction, files: &[&str]) -> Result<(), String> {
    let builder = nf.table_builder().expect("a function with loaded tables builds them");
    for (index, file) in files.iter().enumerate() {
        let path = specs_dir().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let table = builder(index, &path.display().to_string(), &text)?;
        nf.install_table(index, table);
    }
    Ok(())
}

fn packet(fields: &[(Field, u128)]) -> Vec<u8> {
    testpkt::build(&TestPacket::Fields { fields: fields.to_vec(), payload_len: 8 })
}

#[test]
fn the_router_routes_as_its_file_says_and_a_bad_file_leaves_it_alone() {
    let mut router = LoadedRouter::new();
    assert_eq!(router.loaded_tables(), ["routes"]);
    let to = |address: u32| packet(&[(Field::Ipv4Dst, address.into()), (Field::IpTtl, 64)]);
    // Before any file: no routes, every packet misses.
    assert_eq!(process_copy(&mut router, 0, &to(0x0a01_0203)).0, 0);
    load(&mut router, &["loaded_routes.csv"]).unwrap();
    let (outputs, bytes) = process_copy(&mut router, 1, &to(0x0a01_0203));
    assert_eq!(outputs, 1 << 0, "10.1.0.0/16 goes to lan");
    assert_eq!(&bytes[..6], &[2, 0, 0, 0, 1, 1]);
    assert_eq!(process_copy(&mut router, 0, &to(0x0a01_c801)).0, 1 << 2, "the longer 10.1.200.0/24 wins");
    assert_eq!(process_copy(&mut router, 0, &to(0x0a09_0001)).0, 0, "discard");
    assert_eq!(process_copy(&mut router, 0, &to(0x0808_0808)).0, 1 << 1, "default route");

    let builder = router.table_builder().unwrap();
    let bad = "10.1.0.0/16, forward, 02:00:00:00:01:01, lan\n10.2.0.1/16, forward, 02:00:00:00:01:01, lan\n\
               10.3.0.0/16, fwd\n";
    let error = builder(0, "routes.csv", bad).expect_err("a bad file is refused");
    assert_eq!(
        error,
        "routes.csv:2:1: error: found `10.2.0.1/16` with host bits set, expected a prefix whose bits past /16 are zero\n\
         routes.csv:3:14: error: found action `fwd`, expected one of forward, discard"
    );
    // Nothing was installed: the routes in use still route.
    assert_eq!(process_copy(&mut router, 0, &to(0x0808_0808)).0, 1 << 1);
}

/// Random packets through the generated code and the interpreter, both
/// loaded from the same files: outputs, bytes and counters agree.
fn agree<N: NetworkFunction>(spec_file: &str, files: &[&str], mut generated: N) {
    let spec = spec(spec_file);
    let mut interpreter = Interpreter::new(&spec);
    assert_eq!(generated.loaded_tables(), interpreter.loaded_tables());
    load(&mut generated, files).unwrap();
    load(&mut interpreter, files).unwrap();
    let (generated, interpreter) = (RefCell::new(generated), RefCell::new(interpreter));
    let ports = spec.ports.len() as u8;
    let field = prop_oneof![
        (0u128..=0xffff_ffff).prop_map(|v| (Field::Ipv4Src, v)),
        prop::sample::select(vec![0x0a00_0001u128, 0x0a01_0203, 0x0a01_c801, 0x0a09_0001, 0xc0a8_0101, 0x0808_0808])
            .prop_map(|v| (Field::Ipv4Dst, v)),
        prop::sample::select(vec![0x0a00_0005u128, 0x0b00_0005]).prop_map(|v| (Field::Ipv4Src, v)),
        prop::sample::select(vec![22u128, 80, 1023, 1024, 5000, 65535]).prop_map(|v| (Field::TcpDst, v)),
        (0u128..3).prop_map(|v| (Field::IpTtl, v)),
    ];
    let case = (0..ports, proptest::collection::vec(field, 0..4));
    TestRunner::new(Config { cases: 3000, ..Config::default() })
        .run(&case, |(input, fields)| {
            let bytes = testpkt::build(&TestPacket::Fields { fields, payload_len: 4 });
            let expected = process_copy(&mut *interpreter.borrow_mut(), input, &bytes);
            let got = process_copy(&mut *generated.borrow_mut(), input, &bytes);
            prop_assert_eq!(got, expected);
            let (generated, interpreter) = (generated.borrow(), interpreter.borrow());
            prop_assert_eq!(generated.counters(), interpreter.counters());
            Ok(())
        })
        .unwrap();
    // The packets reached every loaded table and hit it.
    let generated = generated.borrow();
    for (name, counter) in generated.counter_names().iter().zip(generated.counters()) {
        if name.ends_with("/hit") {
            assert!(counter.packets > 0, "{name} was never hit");
        }
    }
}

#[test]
fn generated_and_interpreted_lpm_tables_loaded_from_one_file_agree() {
    agree("loaded_router.toml", &["loaded_routes.csv"], LoadedRouter::new());
}

#[test]
fn generated_and_interpreted_ternary_and_exact_tables_loaded_from_files_agree() {
    agree("loaded_acl.toml", &["loaded_acl.csv", "loaded_by_class.csv"], LoadedAcl::new());
}

fn router_binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_loaded_router"))
}

#[test]
fn the_binary_needs_the_file_of_every_loaded_table() {
    let output = router_binary().args(["--packets", "10"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "loaded_router: table `routes` is loaded at run time: give its entries with --table routes=FILE\n"
    );
    let output = router_binary().args(["--table", "paths=x.csv", "--packets", "10"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("found --table for `paths`"), "{output:?}");
    let bad = std::env::temp_dir().join(format!("nfc-bad-routes-{}.csv", std::process::id()));
    std::fs::write(&bad, "10.1.0.0/16, forward\n").unwrap();
    let output =
        router_binary().args(["--table", &format!("routes={}", bad.display()), "--packets", "10"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!("loaded_router: {}:1:21: error: found 0 arguments for `forward`, expected 2\n", bad.display())
    );
    std::fs::remove_file(bad).unwrap();
}

#[test]
fn sighup_reloads_the_table_and_a_bad_file_keeps_the_old_one() {
    let dir = std::env::temp_dir().join(format!("nfc-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let routes = dir.join("routes.csv");
    std::fs::copy(specs_dir().join("loaded_routes.csv"), &routes).unwrap();
    let mut child = router_binary()
        .args(["--table", &format!("routes={}", routes.display()), "--packets", "1000000000", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let hangup = || {
        Command::new("kill").args(["-HUP", &child.id().to_string()]).status().unwrap();
        std::thread::sleep(Duration::from_millis(500));
    };
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(&routes, "0.0.0.0/0, forward, 02:00:00:00:09:09, dmz\n").unwrap();
    hangup();
    std::fs::write(&routes, "0.0.0.0/0, forward, 02:00:00:00:09:09\n").unwrap();
    hangup();
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the binary did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "loaded_router: reloaded table routes".to_owned(),
            "loaded_router: table not reloaded, the old one stays:".to_owned(),
            format!("{}:1:38: error: found 1 argument for `forward`, expected 2", routes.display()),
        ],
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
