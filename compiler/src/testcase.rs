//! Running a spec's test cases through any network function: the
//! interpreter, generated code, or both side by side.

use crate::ir::{Spec, TestCase};
use crate::testpkt;
use nfc_runtime::{Frame, NetworkFunction};

/// Room for a VLAN push beyond the largest test packet.
const HEADROOM: usize = 64;

/// A failed test case and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Failure {
    pub name: String,
    pub reason: String,
}

/// Runs every test case of `spec` through `nf`; returns the failures.
pub fn run(spec: &Spec, nf: &mut impl NetworkFunction) -> Vec<Failure> {
    spec.tests
        .iter()
        .filter_map(|case| check(spec, case, nf).err().map(|reason| Failure { name: case.name.clone(), reason }))
        .collect()
}

fn check(spec: &Spec, case: &TestCase, nf: &mut impl NetworkFunction) -> Result<(), String> {
    let input = testpkt::build(&case.packet);
    let mut buffer = input.clone();
    buffer.resize(input.len() + HEADROOM, 0);
    let mut frame = Frame::new(&mut buffer, input.len());
    let outputs = nf.process(case.in_port, &mut frame);
    if outputs.bits() != case.expect_outputs {
        return Err(format!(
            "expected outputs {}, got {}",
            port_list(spec, case.expect_outputs),
            port_list(spec, outputs.bits())
        ));
    }
    if case.expect_outputs == 0 {
        return Ok(());
    }
    let expected = match &case.expect_packet {
        None => input,
        Some(expect) => testpkt::build(&testpkt::merged(&case.packet, expect)),
    };
    let got = frame.data();
    if got != expected.as_slice() {
        let at = got.iter().zip(&expected).position(|(a, b)| a != b).unwrap_or(got.len().min(expected.len()));
        return Err(format!(
            "packet differs at byte {at} (of {} expected, {} got): expected {:02x?}, got {:02x?}",
            expected.len(),
            got.len(),
            &expected[at..expected.len().min(at + 8)],
            &got[at..got.len().min(at + 8)]
        ));
    }
    Ok(())
}

fn port_list(spec: &Spec, bits: u32) -> String {
    if bits == 0 {
        return "drop".to_owned();
    }
    let names: Vec<&str> =
        (0..32).filter(|i| bits & (1 << i) != 0).map(|i| spec.ports.get(i).map_or("?", |p| p.name.as_str())).collect();
    format!("[{}]", names.join(", "))
}

#[cfg(test)]
mod tests {
    use crate::frontend::toml;

    #[test]
    fn test_cases_know_the_line_of_their_header() {
        let source = "name = \"n\"\nports = [\"a\", \"b\"]\n\n[[test]]\nname = \"first\"\npacket_hex = \"00\"\nexpect_output = \"drop\"\n\n# a comment\n[[test]]\nname = \"second\"\npacket_hex = \"00\"\nexpect_output = \"drop\"\n";
        let spec = toml::parse("n.toml", source).expect("the spec compiles").spec;
        let lines: Vec<(&str, usize)> = spec.tests.iter().map(|t| (t.name.as_str(), t.line)).collect();
        assert_eq!(lines, [("first", 4), ("second", 10)]);
    }
}
