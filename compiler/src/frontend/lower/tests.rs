//! Test cases kept with a spec.

use super::Lowering;
use crate::frontend::ast::*;
use crate::ir::*;

impl<P: Copy> Lowering<'_, P> {
    pub(super) fn test(&mut self, ast: &TestAst<P>) -> TestCase {
        let name = ast.name.as_ref().map_or_else(|| "test".to_owned(), |n| n.value.clone());
        let in_port = ast.in_port.as_ref().and_then(|port| self.port(port)).unwrap_or(0);
        let packet = match &ast.packet {
            Some(packet) => self.packet(packet),
            None => {
                self.error(
                    ast.at,
                    format!("found no packet in test `{name}`, expected `packet = {{ ... }}` or `packet_hex`"),
                );
                None
            }
        }
        .unwrap_or(TestPacket::Bytes(Vec::new()));
        let expect_outputs = match &ast.expect_output {
            Some(TargetAst::Goto(table)) => {
                self.error(table.at, "found a table as the expected output, expected a port, a list or \"drop\"");
                0
            }
            Some(target) => match self.test_target(target) {
                Target::Ports(bits) => bits,
                Target::Flood => ((1u64 << self.ports.len()) - 1) as u32 & !(1 << in_port),
                Target::InPort => 1 << in_port,
                _ => 0,
            },
            None => {
                self.error(
                    ast.at,
                    format!("found no `expect_output` in test `{name}`, expected a port, a list or \"drop\""),
                );
                0
            }
        };
        let expect_packet = ast.expect.as_ref().and_then(|p| self.packet(p));
        let line = self.sink.line(ast.at);
        let time_ns = self.test_time(ast);
        TestCase { name, line, in_port, packet, expect_outputs, expect_packet, time_ns }
    }

    /// A case's `time` (since the first case), never before the previous
    /// case's; without one, the previous case's.
    fn test_time(&mut self, ast: &TestAst<P>) -> u64 {
        let Some(value) = &ast.time else { return self.test_time };
        let ns = match &value.value {
            Value::Integer(seconds) if *seconds >= 0 => {
                u64::try_from(*seconds).ok().and_then(|s| s.checked_mul(1_000_000_000))
            }
            Value::Text(text) => super::stateful::duration(text),
            _ => None,
        };
        match ns {
            None => self.error(
                value.at,
                "found a time that is not a duration, expected e.g. time = \"1.5s\" (since the first case)",
            ),
            Some(ns) if ns < self.test_time => self.error(
                value.at,
                format!(
                    "found time {}, expected no earlier than the previous case's {}: cases run in order",
                    super::stateful::seconds(ns),
                    super::stateful::seconds(self.test_time)
                ),
            ),
            Some(ns) => self.test_time = ns,
        }
        self.test_time
    }

    fn test_target(&mut self, target: &TargetAst<P>) -> Target {
        if let TargetAst::One(text) = target {
            if text.value.starts_with("meta.") || text.value.starts_with('$') {
                self.error(text.at, format!("found `{}`, expected a port, a list or \"drop\"", text.value));
                return Target::Drop;
            }
        }
        self.target(target, None)
    }

    fn packet(&mut self, packet: &PacketAst<P>) -> Option<TestPacket> {
        match packet {
            PacketAst::Hex(text) => {
                let digits: String = text.value.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes: Option<Vec<u8>> = (0..digits.len())
                    .step_by(2)
                    .map(|i| digits.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
                    .collect();
                if bytes.is_none() {
                    self.error(text.at, "found invalid hex, expected pairs of hex digits");
                }
                bytes.map(TestPacket::Bytes)
            }
            PacketAst::Fields(pairs) => {
                let mut fields = Vec::new();
                let mut payload_len = 0;
                for (path, value) in &pairs.value {
                    if path.value == "payload_len" {
                        match value.value {
                            Value::Integer(n @ 0..=9000) => payload_len = n as usize,
                            _ => self.error(value.at, "found a bad payload_len, expected 0..=9000"),
                        }
                        continue;
                    }
                    let Some(field) = self.field(path) else { continue };
                    if !field.is_in_packet() {
                        self.error(
                            path.at,
                            format!(
                                "found `{}` in a test packet, expected packet fields (in_port and metadata are not \
                                 in the packet)",
                                path.value
                            ),
                        );
                        continue;
                    }
                    if let Some(value) = self.scalar(field, value) {
                        fields.push((field, value));
                    }
                }
                Some(TestPacket::Fields { fields, payload_len })
            }
        }
    }
}
