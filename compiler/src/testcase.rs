//! Running a spec's test cases through any network function: the
//! interpreter, generated code, or both side by side.

use crate::ir::{Spec, TestCase};
use crate::testpkt;
use nfc_runtime::spec_test::SpecTest;
use nfc_runtime::NetworkFunction;

/// A failed test case: its name, the line of its `[[test]]` header, and
/// what differed (fields named as the spec names them).
#[derive(Debug, PartialEq, Eq)]
pub struct Failure {
    pub name: String,
    pub line: usize,
    pub reason: String,
}

/// Runs every test case of `spec` through `nf`; returns the failures.
pub fn run(spec: &Spec, nf: &mut impl NetworkFunction) -> Vec<Failure> {
    let ports: Vec<&str> = spec.ports.iter().map(|p| p.name.as_str()).collect();
    spec.tests
        .iter()
        .filter_map(|case| {
            let (packet, expect_packet) = packets(case);
            let test = SpecTest {
                file: "",
                line: case.line,
                name: &case.name,
                ports: &ports,
                in_port: case.in_port,
                packet: &packet,
                expect_outputs: case.expect_outputs,
                expect_packet: &expect_packet,
                time_ns: case.time_ns,
            };
            test.check(nf).err().map(|reason| Failure { name: case.name.clone(), line: case.line, reason })
        })
        .collect()
}

/// The bytes a case sends and the bytes it expects on its outputs.
pub fn packets(case: &TestCase) -> (Vec<u8>, Vec<u8>) {
    let input = testpkt::build(&case.packet);
    let expected = match &case.expect_packet {
        None => input.clone(),
        Some(expect) => testpkt::build(&testpkt::merged(&case.packet, expect)),
    };
    (input, expected)
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

    #[test]
    fn a_wrong_expectation_names_the_case_line_and_field() {
        let source = "name = \"n\"\nports = [\"a\", \"b\"]\n\n[[rule]]\nname = \"all\"\nactions = [{ set = { \"eth.src\" = \"02:00:00:00:00:09\" } }]\noutput = \"b\"\n\n[[test]]\nname = \"keeps its source\"\npacket = { \"udp.dst\" = 53 }\nexpect_output = \"b\"\nexpect = { \"eth.src\" = \"02:00:00:00:00:01\" }\n";
        let spec = toml::parse("n.toml", source).expect("the spec compiles").spec;
        let failures = super::run(&spec, &mut crate::interp::Interpreter::new(&spec));
        assert_eq!(
            failures,
            [super::Failure {
                name: "keeps its source".into(),
                line: 9,
                reason: "eth.src: expected 02:00:00:00:00:01, got 02:00:00:00:00:09".into()
            }]
        );
    }
}
