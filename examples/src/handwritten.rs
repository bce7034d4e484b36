//! The shipped specs written by hand in Rust with the packet views, as an
//! engineer would without nfc: the baseline the generated code is measured
//! against (`bench/nf-cost`). Each keeps the same counters as its spec, in
//! the same order, and the differential tests check it against the
//! interpreter like the generated code, so both do the same work.

use nfc::runtime::wire::ipv6_ext::frag;
use nfc::runtime::{Frame, Headers, NetworkFunction, Outputs, PortId, RuleCounter, TtlOutcome};

const TCP_ACK: u8 = 0x10;
const TCP_SYN: u8 = 0x02;

/// `counter_names` for a hand-written NF.
macro_rules! counters {
    ($($name:literal),*) => {
        fn counter_names(&self) -> &'static [&'static str] {
            &[$($name),*]
        }
        fn counters(&self) -> &[RuleCounter] {
            &self.counters
        }
    };
}
pub(crate) use counters;

#[derive(Default)]
pub struct Nop {
    counters: [RuleCounter; 2],
}

impl NetworkFunction for Nop {
    #[inline]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        if input == 0 {
            self.counters[0].record(frame.len());
            Outputs::port(1)
        } else {
            self.counters[1].record(frame.len());
            Outputs::port(0)
        }
    }
    counters!("left_to_right", "default");
}

#[derive(Default)]
pub struct L2fwd {
    counters: [RuleCounter; 3],
}

impl NetworkFunction for L2fwd {
    #[inline]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        let len = frame.len();
        let headers = Headers::parse(frame.data());
        let (counter, src, dst, out) = match input {
            0 => (0, 0x0200_0000_0100, 0x0200_0000_0101, 1),
            1 => (1, 0x0200_0000_0000, 0x0200_0000_0001, 0),
            _ => {
                self.counters[2].record(len);
                return Outputs::DROP;
            }
        };
        self.counters[counter].record(len);
        headers.set_eth_src(frame.data_mut(), src);
        headers.set_eth_dst(frame.data_mut(), dst);
        Outputs::port(out)
    }
    counters!("p0_to_p1", "p1_to_p0", "default");
}

#[derive(Default)]
pub struct Router {
    counters: [RuleCounter; 4],
}

impl NetworkFunction for Router {
    #[inline]
    fn process(&mut self, _input: PortId, frame: &mut Frame<'_>) -> Outputs {
        let len = frame.len();
        let headers = Headers::parse(frame.data());
        if headers.eth_type(frame.data()) != Some(0x0800) {
            self.counters[1].record(len);
            return Outputs::DROP;
        }
        self.counters[0].record(len);
        let Some(dst) = headers.ipv4_dst(frame.data()) else {
            self.counters[3].record(len);
            return Outputs::DROP;
        };
        self.counters[2].record(len);
        // Longest prefix first: 10.1.200/24, 10.1/16, 192.168/16, default.
        let (src_mac, dst_mac, port) = if dst & 0xffff_ff00 == 0x0a01_c800 {
            (0x0200_0000_0003, 0x0200_0000_0301, 2)
        } else if dst & 0xffff_0000 == 0x0a01_0000 {
            (0x0200_0000_0001, 0x0200_0000_0101, 0)
        } else if dst & 0xffff_0000 == 0xc0a8_0000 {
            (0x0200_0000_0001, 0x0200_0000_0102, 0)
        } else {
            (0x0200_0000_0002, 0x0200_0000_0201, 1)
        };
        let data = frame.data_mut();
        headers.set_eth_src(data, src_mac);
        headers.set_eth_dst(data, dst_mac);
        if let TtlOutcome::Expired = headers.decrement_ttl(data) {
            return Outputs::DROP;
        }
        Outputs::port(port)
    }
    counters!("ipv4", "default", "routes/hit", "routes/miss");
}

#[derive(Default)]
pub struct Firewall {
    counters: [RuleCounter; 10],
}

impl Firewall {
    #[inline]
    fn count(&mut self, rule: usize, len: usize, outputs: Outputs) -> Outputs {
        self.counters[rule].record(len);
        outputs
    }
}

impl NetworkFunction for Firewall {
    #[inline]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        const INSIDE: PortId = 0;
        const OUTSIDE: PortId = 1;
        let (len, data) = (frame.len(), frame.data());
        let headers = Headers::parse(data);
        let fragment = headers.ip_frag(data);
        if fragment == Some(frag::TINY) {
            return self.count(0, len, Outputs::DROP);
        }
        if input == OUTSIDE && fragment == Some(frag::LATER) {
            return self.count(1, len, Outputs::DROP);
        }
        if headers.tcp_dst(data) == Some(23) {
            return self.count(2, len, Outputs::DROP);
        }
        if headers.ip_proto(data) == Some(1) {
            return self.count(3, len, Outputs::flood(input, 2));
        }
        if input == INSIDE && headers.ipv4_src(data).is_some_and(|src| src & 0xff00_0000 == 0x0a00_0000) {
            return self.count(4, len, Outputs::port(OUTSIDE));
        }
        if input == OUTSIDE {
            let dst = headers.ipv4_dst(data);
            let to_services = dst.is_some_and(|d| d & 0xffff_ff00 == 0x0a00_0100);
            if to_services && headers.tcp_dst(data) == Some(22) {
                return self.count(5, len, Outputs::port(INSIDE));
            }
            if to_services && headers.tcp_dst(data).is_some_and(|p| (80..=443).contains(&p)) {
                return self.count(6, len, Outputs::port(INSIDE));
            }
            let to_inside = dst.is_some_and(|d| d & 0xff00_0000 == 0x0a00_0000);
            if to_inside && headers.tcp_flags(data).is_some_and(|f| f & (TCP_ACK | TCP_SYN) == TCP_ACK) {
                return self.count(7, len, Outputs::port(INSIDE));
            }
            if to_inside && headers.udp_src(data) == Some(53) {
                return self.count(8, len, Outputs::port(INSIDE));
            }
        }
        self.count(9, len, Outputs::DROP)
    }
    counters!(
        "tiny_fragments",
        "later_fragments_in",
        "no_telnet",
        "ping",
        "outbound",
        "inbound_services",
        "inbound_web",
        "inbound_replies",
        "inbound_dns",
        "default"
    );
}

#[derive(Default)]
pub struct Vlan {
    counters: [RuleCounter; 3],
}

impl NetworkFunction for Vlan {
    #[inline]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        let len = frame.len();
        let mut headers = Headers::parse(frame.data());
        if input == 0 {
            self.counters[0].record(len);
            if !headers.push_vlan(frame, 100, 3) {
                return Outputs::DROP;
            }
            return Outputs::port(1);
        }
        if input == 1 && headers.vlan_id(frame.data()) == Some(100) {
            self.counters[1].record(len);
            headers.pop_vlan(frame);
            return Outputs::port(0);
        }
        self.counters[2].record(len);
        Outputs::DROP
    }
    counters!("tag", "untag", "default");
}
