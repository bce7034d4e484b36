//! The shipped specs compiled into network-function types, and the example
//! binaries that run them.
#![forbid(unsafe_code)]

mod runner;

pub use runner::run;

/// One module per spec in `nf-specs/`, each holding the generated type.
pub mod specs {
    pub mod nop {
        nfc::spec!("../nf-specs/nop.toml");
    }
    pub mod l2fwd {
        nfc::spec!("../nf-specs/l2fwd.toml");
    }
    pub mod router {
        nfc::spec!("../nf-specs/router.toml");
    }
    pub mod firewall {
        nfc::spec!("../nf-specs/firewall.toml");
    }
    pub mod vlan {
        nfc::spec!("../nf-specs/vlan.toml");
    }
}

/// A hand-written NF through `#[network_function]`: swap ports 0 and 1.
#[nfc::network_function]
pub fn cross_connect(input: nfc::runtime::PortId, _frame: &mut nfc::runtime::Frame<'_>) -> nfc::runtime::Outputs {
    nfc::runtime::Outputs::port(input ^ 1)
}

/// The same language as the TOML specs, written as Rust tokens.
pub mod edge {
    nfc::nf! {
        name: edge;
        ports: [inside, outside];
        rule no_telnet { tcp.dst == 23 } => drop;
        rule ping { ip.proto == icmp } => flood;
        rule outbound { in_port == inside, ipv4.src == "10.0.0.0/8" } => [dec_ttl] outside;
        rule web { in_port == outside, ipv4.dst == "10.0.1.0/24", tcp.dst == "80-443" } => [dec_ttl] inside;
        default => drop;
    }
}
