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
    routes(prefixes, seed, false)
}

/// The same router, but every route has a next-hop MAC of its own (host
/// routes to directly attached neighbours): the decisions are all distinct,
/// so the table's entries carry their parameters as action data.
pub fn hosts(prefixes: usize, seed: u64) -> String {
    routes(prefixes, seed, true)
}

fn routes(prefixes: usize, seed: u64, own_macs: bool) -> String {
    let mut random = Random(seed);
    let mut spec = String::new();
    let what = if own_macs { "a MAC per route" } else { "16 next hops" };
    writeln!(spec, "# Synthetic router: {prefixes} prefixes + default, {what}, seed {seed} (nfc synth).").unwrap();
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
        let mac = if own_macs {
            let [_, _, _, _, a, b, c, d] = (seen.len() as u64).to_be_bytes();
            format!("02:01:{a:02x}:{b:02x}:{c:02x}:{d:02x}")
        } else {
            format!("02:00:00:00:01:{hop:02x}")
        };
        writeln!(
            spec,
            "  {{ key = \"{key}\", actions = [{{ set = {{ \"eth.dst\" = \"{mac}\" }} }}, \"dec_ttl\"], output = \"{}\" }},",
            ports[(hop % 3) as usize]
        )
        .unwrap();
    }
    spec.push_str("  { key = \"0.0.0.0/0\", actions = [\"dec_ttl\"], output = \"wan\" },\n]\n");
    spec
}

/// A three-stage router whose entries each carry their own parameters (a
/// host route with its own next-hop MAC, a neighbour table): an ACL over
/// (in_port, tcp.dst) that drops or marks and goes on, an LPM table of
/// `routes` host and subnet routes, a next-hop table. Every entry's
/// decision differs from every other's, so the code generator keeps them
/// as action data (one arm per shape) rather than one arm per decision.
pub fn pipeline(routes: usize, seed: u64) -> String {
    let mut random = Random(seed);
    let mut spec = String::new();
    writeln!(spec, "# Synthetic pipeline: {routes} routes with their own parameters, seed {seed} (nfc synth).")
        .unwrap();
    spec.push_str(
        r#"name = "pipeline_scale"
ports = ["lan", "wan", "dmz"]
metadata = { nexthop = 16 }

[[action]]
name = "host"
params = ["mac", "port"]
actions = [{ set = { "eth.dst" = "$mac" } }, "dec_ttl"]
output = "$port"

[[action]]
name = "via"
params = ["hop"]
actions = [{ set = { "meta.nexthop" = "$hop" } }]
goto = "nexthops"

[[action]]
name = "tagged"
params = ["mac", "vid"]
actions = [{ set = { "eth.dst" = "$mac" } }, "dec_ttl", { push_vlan = { vid = "$vid", pcp = 1 } }]
output = "dmz"

[[rule]]
name = "ipv4"
match = { "eth.type" = "ipv4" }
goto = "acl"

[default]
output = "drop"

[[table]]
name = "acl"
kind = "ternary"
key = ["in_port", "tcp.dst"]
default = { goto = "routes" }
entries = [
"#,
    );
    let ports = ["lan", "wan", "dmz"];
    let acl_entries = (routes / 10).max(LARGE_ENOUGH);
    for index in 0..acl_entries {
        let port = ports[random.below(3) as usize];
        let dport = 1 + index;
        if random.chance(30) {
            writeln!(spec, r#"  {{ key = ["{port}", "{dport}"], output = "drop" }},"#).unwrap();
        } else {
            let dscp = random.below(64);
            writeln!(
                spec,
                r#"  {{ key = ["{port}", "{dport}"], actions = [{{ set = {{ "ip.dscp" = {dscp} }} }}], goto = "routes" }},"#
            )
            .unwrap();
        }
    }
    spec.push_str(
        r#"]

[[table]]
name = "routes"
kind = "lpm"
key = "ipv4.dst"
default = { output = "drop" }
entries = [
"#,
    );
    let hops = 200;
    let mut seen = std::collections::HashSet::new();
    let mut index = 0u64;
    while seen.len() < routes {
        let len = if random.chance(80) { 32 } else { route_length(&mut random) };
        let key = prefix(&mut random, len);
        if !seen.insert(key.clone()) {
            continue;
        }
        index += 1;
        let [_, _, _, a, b, c, d, e] = index.to_be_bytes();
        let mac = format!("02:{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}");
        match random.below(10) {
            0..=6 => {
                let port = ports[random.below(3) as usize];
                writeln!(spec, r#"  {{ key = "{key}", action = "host", mac = "{mac}", port = "{port}" }},"#).unwrap();
            }
            7..=8 => writeln!(spec, r#"  {{ key = "{key}", action = "via", hop = {} }},"#, random.below(hops)).unwrap(),
            _ => writeln!(
                spec,
                r#"  {{ key = "{key}", action = "tagged", mac = "{mac}", vid = {} }},"#,
                1 + random.below(4000)
            )
            .unwrap(),
        }
    }
    spec.push_str(
        r#"]

[[table]]
name = "nexthops"
kind = "exact"
key = "meta.nexthop"
default = { output = "drop" }
entries = [
"#,
    );
    for hop in 0..hops {
        let port = ports[random.below(3) as usize];
        let [high, low] = (hop as u16).to_be_bytes();
        writeln!(
            spec,
            r#"  {{ key = {hop}, action = "host", mac = "02:ff:00:00:{high:02x}:{low:02x}", port = "{port}" }},"#
        )
        .unwrap();
    }
    spec.push_str("]\n");
    spec
}

/// Enough entries to take a table past the inline limit.
const LARGE_ENOUGH: usize = crate::codegen::LARGE + 1;

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
        let hosts_spec = crate::frontend::toml::parse("hosts.toml", &hosts(100, 7)).expect("hosts spec compiles");
        let macs: std::collections::HashSet<_> =
            hosts_spec.spec.stages[1].entries.iter().filter_map(|e| e.decision.actions.first()).collect();
        // 100 routes each with its own MAC, and the default route's dec_ttl.
        assert_eq!(macs.len(), 101, "every route has its own MAC");
        assert_ne!(router(50, 7), router(50, 8));
        let pipeline_spec =
            crate::frontend::toml::parse("p.toml", &pipeline(1000, 7)).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(pipeline_spec.spec.stages.len(), 4);
        assert_eq!(pipeline_spec.spec.stages[2].entries.len(), 1000);
        assert!(pipeline_spec.warnings.is_empty(), "{:?}", pipeline_spec.warnings);
        let acl_spec = crate::frontend::toml::parse("acl.toml", &acl(300, 7)).expect("ACL spec compiles");
        assert_eq!(acl_spec.spec.rules().entries.len(), 300);
    }
}
