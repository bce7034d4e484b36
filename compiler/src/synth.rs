//! Synthetic specs at scale: a router with a BGP-like table of N prefixes
//! and an ACL of N rules, deterministic for a seed. Benchmarks, scale tests
//! and `nfc synth` use them; they are ordinary TOML specs, so they go
//! through exactly the frontend, checks and code generator users get.

use std::fmt::Write;

/// splitmix64: tiny, seedable, and good enough to spread test data.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn ipv4(addr: u32) -> String {
    let [a, b, c, d] = addr.to_be_bytes();
    format!("{a}.{b}.{c}.{d}")
}

fn prefix(random: &mut Random, len: u32) -> String {
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    // Unicast space only, like a real table: 1.0.0.0 to 223.255.255.255.
    let addr = ((1 + random.below(223) as u32) << 24 | random.next() as u32 & 0x00ff_ffff) & mask;
    format!("{}/{len}", ipv4(addr))
}

/// Prefix lengths roughly as in a full Internet table: mostly /24, a third
/// between /16 and /23, a few shorter and a few host routes.
fn route_length(random: &mut Random) -> u32 {
    match random.below(100) {
        0 => 8 + random.below(8) as u32,
        1..=33 => 16 + random.below(8) as u32,
        34..=94 => 24,
        _ => 25 + random.below(8) as u32,
    }
}

/// An IPv4 router over `prefixes` routes (plus a default route) to 16 next
/// hops spread over three ports, with TTL decrement.
pub fn router(prefixes: usize, seed: u64) -> String {
    let mut random = Random(seed);
    let mut spec = String::new();
    writeln!(spec, "# Synthetic router: {prefixes} prefixes + default, seed {seed} (nfc synth).").unwrap();
    spec.push_str("name = \"router_scale\"\nports = [\"lan\", \"wan\", \"dmz\"]\n\n");
    spec.push_str(
        "[[rule]]\nname = \"ipv4\"\nmatch = { \"eth.type\" = \"ipv4\" }\noutput = { table = \"routes\" }\n\n",
    );
    spec.push_str("[default]\noutput = \"drop\"\n\n");
    spec.push_str("[[table]]\nname = \"routes\"\nkind = \"lpm\"\nkey = \"ipv4.dst\"\ndefault = { output = \"drop\" }\nentries = [\n");
    let ports = ["lan", "wan", "dmz"];
    let mut seen = std::collections::HashSet::new();
    while seen.len() < prefixes {
        let len = route_length(&mut random);
        let key = prefix(&mut random, len);
        if !seen.insert(key.clone()) {
            continue; // a table lists each prefix once
        }
        let hop = random.below(16);
        writeln!(
            spec,
            "  {{ key = \"{key}\", actions = [{{ set = {{ \"eth.dst\" = \"02:00:00:00:01:{hop:02x}\" }} }}, \"dec_ttl\"], output = \"{}\" }},",
            ports[(hop % 3) as usize]
        )
        .unwrap();
    }
    spec.push_str("  { key = \"0.0.0.0/0\", actions = [\"dec_ttl\"], output = \"wan\" },\n]\n");
    spec
}

/// A stateless ACL of `rules` rules between two ports, shaped like
/// ClassBench's ACL seeds: specific destination prefixes, mostly wildcard or
/// short source prefixes, TCP/UDP destination ports exact or ranged. About
/// one rule in four denies; the default denies.
pub fn acl(rules: usize, seed: u64) -> String {
    let mut random = Random(seed);
    let mut spec = String::new();
    writeln!(spec, "# Synthetic ACL: {rules} rules, seed {seed} (nfc synth).").unwrap();
    spec.push_str("name = \"acl_scale\"\nports = [\"outside\", \"inside\"]\n\n[default]\noutput = \"drop\"\n");
    for index in 0..rules {
        let mut conditions = Vec::new();
        if random.chance(40) {
            let len = 8 + random.below(17) as u32;
            conditions.push(format!("\"ipv4.src\" = \"{}\"", prefix(&mut random, len)));
        }
        let len = 16 + random.below(17) as u32;
        conditions.push(format!("\"ipv4.dst\" = \"{}\"", prefix(&mut random, len)));
        let l4 = match random.below(10) {
            0..=5 => Some("tcp"),
            6..=8 => Some("udp"),
            _ => None,
        };
        if let Some(l4) = l4 {
            conditions.push(format!("\"ip.proto\" = \"{l4}\""));
            match random.below(10) {
                0..=5 => conditions
                    .push(format!("\"{l4}.dst\" = {}", [22, 25, 53, 80, 123, 443, 8080][random.below(7) as usize])),
                6..=7 => {
                    let low = 1024 + random.below(30_000);
                    conditions.push(format!("\"{l4}.dst\" = \"{low}-{}\"", low + random.below(20_000)));
                }
                _ => {}
            }
        }
        let output = if random.chance(25) { "drop" } else { "inside" };
        writeln!(
            spec,
            "\n[[rule]]\nname = \"r{index}\"\nmatch = {{ {} }}\noutput = \"{output}\"",
            conditions.join(", ")
        )
        .unwrap();
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_specs_pass_the_frontend_and_are_deterministic() {
        let router_spec = crate::frontend::toml::parse("router.toml", &router(3000, 7)).expect("router spec compiles");
        assert_eq!(router_spec.spec.stages[1].entries.len(), 3001);
        assert_eq!(router(50, 7), router(50, 7));
        assert_ne!(router(50, 7), router(50, 8));
        let acl_spec = crate::frontend::toml::parse("acl.toml", &acl(300, 7)).expect("ACL spec compiles");
        assert_eq!(acl_spec.spec.rules().entries.len(), 300);
    }
}
