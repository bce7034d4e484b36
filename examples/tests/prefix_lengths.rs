//! Prefixes of every edge length (/0, /1, /31, /32; /0, /1, /127, /128) in
//! rules and LPM tables: the spec's test cases pass on the generated code
//! (through `nfc::spec!`, which also emits them as `#[test]`s here) and on the
//! interpreter, and both agree on every address next to each boundary.

use nfc_compiler::interp::Interpreter;
use nfc_compiler::ir::{Field, TestPacket};
use nfc_compiler::{testcase, testpkt};
use nfc_examples::process_copy;

mod compiled {
    nfc::spec!("tests/specs/prefix_lengths.toml");
}

fn spec() -> nfc_compiler::ir::Spec {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/specs/prefix_lengths.toml");
    nfc_compiler::compile_file(path.as_ref()).unwrap_or_else(|e| panic!("{e:?}")).spec
}

#[test]
fn test_cases_pass_on_the_interpreter() {
    let spec = spec();
    let failures = testcase::run(&spec, &mut Interpreter::new(&spec));
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn generated_code_and_interpreter_agree_around_every_boundary() {
    let spec = spec();
    let mut generated = compiled::PrefixLengths::new();
    let mut interpreter = Interpreter::new(&spec);
    let v4: [u32; 8] = [0, 0x0a00_0000, 0x0a00_0001, 0x0a00_0002, 0x0a00_0003, 0x0a00_0004, 0x7fff_ffff, 0x8000_0000];
    let v6_base = 0x2001_0db8u128 << 96;
    let v6: [u128; 8] = [0, v6_base, v6_base + 1, v6_base + 2, v6_base + 3, v6_base + 4, u128::MAX >> 1, 1 << 127];
    let mut packets = Vec::new();
    for address in v4.iter().flat_map(|&a| [a, !a]) {
        for field in [Field::Ipv4Src, Field::Ipv4Dst] {
            packets.push(vec![(field, u128::from(address))]);
        }
    }
    for address in v6.iter().flat_map(|&a| [a, !a]) {
        for field in [Field::Ipv6Src, Field::Ipv6Dst] {
            packets.push(vec![(field, address)]);
        }
    }
    packets.push(vec![(Field::EthType, 0x0806)]);
    for fields in packets {
        let packet = testpkt::build(&TestPacket::Fields { fields: fields.clone(), payload_len: 0 });
        for port in 0..3 {
            let got = process_copy(&mut generated, port, &packet);
            let expected = process_copy(&mut interpreter, port, &packet);
            assert_eq!(got, expected, "{fields:x?} on port {port}");
        }
    }
    use nfc_runtime::NetworkFunction;
    assert_eq!(generated.counters(), interpreter.counters());
}
