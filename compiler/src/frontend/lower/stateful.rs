//! Stateful stages (`kind = "learn"`, `"conntrack"`, `"nat"`, `"policer"`,
//! `"maglev"`): their settings and outcome decisions, checked against what
//! `runtime::state` accepts, so the generated constructor cannot fail.

use super::{suggestion, Lowering};
use crate::frontend::ast::*;
use crate::ir::*;
use nfc_runtime::state::{BucketLimits, FlowTimeouts, MAX_CAPACITY};

const SECOND: u64 = 1_000_000_000;
/// Vigor's configuration: 65,536 flows.
const DEFAULT_CAPACITY: u32 = 65_536;
/// Maglev's table size for up to a few hundred backends (a prime).
const MAGLEV_TABLE_SIZE: usize = nfc_runtime::state::DEFAULT_TABLE_SIZE;

/// The idle-timeout settings of `conntrack` and `nat`, one per timeout
/// class, in the order of `FlowTimeouts::classes`.
const FLOW_TIMEOUTS: [&str; 5] = ["tcp_transitory", "tcp_established", "tcp_closing", "udp", "other"];

/// What a NAT must keep a mapping idle for, per class of `FLOW_TIMEOUTS`:
/// the minimum, the requirement and what it is about. RFC 5382 counts a
/// closing connection as transitory; RFC 5508's minimum is for ICMP
/// queries, which `other` times.
const NAT_MINIMUMS: [(u64, &str, &str); 5] = [
    (240 * SECOND, "RFC 5382 REQ-5", "a transitory TCP connection"),
    (7_440 * SECOND, "RFC 5382 REQ-5", "an established TCP connection"),
    (240 * SECOND, "RFC 5382 REQ-5", "a closing (transitory) TCP connection"),
    (120 * SECOND, "RFC 4787 REQ-5", "a UDP mapping"),
    (60 * SECOND, "RFC 5508 REQ-1", "an ICMP query mapping"),
];

/// `own` settings followed by `FLOW_TIMEOUTS`; `M` must be their count.
const fn with_flow_timeouts<const N: usize, const M: usize>(own: [&'static str; N]) -> [&'static str; M] {
    assert!(N + FLOW_TIMEOUTS.len() == M, "M is the count of own settings and flow timeouts");
    let mut all = [""; M];
    let mut i = 0;
    while i < M {
        all[i] = if i < N { own[i] } else { FLOW_TIMEOUTS[i - N] };
        i += 1;
    }
    all
}

const CONNTRACK_SETTINGS: [&str; 7] = with_flow_timeouts(["inside", "capacity"]);
const NAT_SETTINGS: [&str; 8] = with_flow_timeouts(["inside", "external", "ports"]);

/// The settings each kind takes, the required ones first.
fn settings_of(kind: &str) -> &'static [&'static str] {
    match kind {
        "learn" => &["into", "learn", "lookup", "capacity", "idle_timeout"],
        "conntrack" => &CONNTRACK_SETTINGS,
        "nat" => &NAT_SETTINGS,
        "policer" => &["key", "rate", "burst", "capacity", "idle_timeout"],
        _ => &["backends", "into", "capacity", "idle_timeout"],
    }
}

/// Nanoseconds as seconds, for messages: `1.5s`.
pub(super) fn seconds(ns: u64) -> String {
    let text = format!("{}.{:09}", ns / SECOND, ns % SECOND);
    format!("{}s", text.trim_end_matches('0').trim_end_matches('.'))
}

/// A duration as written: `"300s"`, `"5m"`, `"2h"`, `"1d"`, `"250ms"`,
/// `"10us"`, `"1.5s"`, or an integer number of seconds; in nanoseconds.
pub(super) fn duration(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit_ns: u64 = match unit.trim() {
        "" | "s" => SECOND,
        "ms" => 1_000_000,
        "us" => 1_000,
        "ns" => 1,
        "m" | "min" => 60 * SECOND,
        "h" => 3_600 * SECOND,
        "d" => 86_400 * SECOND,
        _ => return None,
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut ns = whole.checked_mul(unit_ns)?;
    let mut scale = unit_ns;
    for digit in fraction.chars() {
        scale /= 10;
        ns = ns.checked_add(u64::from(digit.to_digit(10)?) * scale)?;
    }
    Some(ns)
}

/// A rate as written: an integer in bytes per second, or a number with a
/// unit: `B/s`, `kB/s`, `MB/s`, `GB/s`, `bit/s`, `kbit/s`, `Mbit/s`, `Gbit/s`
/// (decimal prefixes, as link speeds are given).
fn rate(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let bits_per_unit: u64 = match unit.trim() {
        "" | "B/s" => 8,
        "kB/s" => 8_000,
        "MB/s" => 8_000_000,
        "GB/s" => 8_000_000_000,
        "bit/s" => 1,
        "kbit/s" => 1_000,
        "Mbit/s" => 1_000_000,
        "Gbit/s" => 1_000_000_000,
        _ => return None,
    };
    let bits = number.checked_mul(bits_per_unit)?;
    (bits % 8 == 0).then_some(bits / 8)
}

/// The settings a table gave, by name.
struct Settings<'a, P>(Vec<(&'static str, &'a At<Value<P>, P>)>);

impl<'a, P> Settings<'a, P> {
    fn get(&self, wanted: &str) -> Option<&'a At<Value<P>, P>> {
        self.0.iter().find(|(name, _)| *name == wanted).map(|(_, value)| *value)
    }
}

impl<P: Copy> Lowering<'_, P> {
    /// `kind` is one of `STATEFUL_KINDS`.
    pub(super) fn stateful_table(&mut self, ast: &TableAst<P>, name: String, kind: &str) -> Stage {
        let settings = settings_of(kind);
        let mut given = Settings(Vec::new());
        for (setting, value) in &ast.settings {
            if !settings.contains(&setting.value.as_str()) {
                let hint = suggestion(&setting.value, settings.iter().copied());
                self.error(
                    setting.at,
                    format!(
                        "found unknown setting `{}` in {kind} table `{name}`, expected one of {}{hint}",
                        setting.value,
                        settings.join(", ")
                    ),
                );
            } else if given.get(&setting.value).is_some() {
                self.error(setting.at, format!("found `{}` twice in table `{name}`, expected it once", setting.value));
            } else {
                given.0.push((settings[settings.iter().position(|s| *s == setting.value).expect("known")], value));
            }
        }
        let setting = &given;
        let state = match kind {
            "learn" => self.learn(ast, &name, setting),
            "conntrack" => self.conntrack(ast, &name, setting),
            "nat" => self.nat(ast, &name, setting),
            "policer" => self.policer(ast, &name, setting),
            _ => self.maglev(ast, &name, setting),
        };
        let outcomes = Stateful::outcomes_of_kind(kind);
        let mut decisions: Vec<Option<Decision>> = vec![None; outcomes.len()];
        for (outcome, decision) in &ast.outcomes {
            let lowered = self.decision(decision, &format!("the `{}` of table `{name}`", outcome.value));
            match outcomes.iter().position(|o| *o == outcome.value) {
                Some(i) if decisions[i].is_some() => self
                    .error(outcome.at, format!("found `{}` twice in table `{name}`, expected it once", outcome.value)),
                Some(i) => decisions[i] = Some(lowered),
                None => {
                    let hint = suggestion(&outcome.value, outcomes.iter().chain(settings).copied());
                    self.error(
                        outcome.at,
                        format!(
                            "found `{}` in {kind} table `{name}`, expected a setting ({}) or an outcome ({}, \
                             default){hint}",
                            outcome.value,
                            settings.join(", "),
                            outcomes.join(", ")
                        ),
                    );
                }
            }
        }
        let default = ast.default.as_ref().map_or(
            Decision { actions: Vec::new(), target: if kind == "learn" { Target::Flood } else { Target::Drop } },
            |d| self.decision(d, &format!("the default of table `{name}`")),
        );
        let mut entries = Vec::new();
        for (index, outcome) in outcomes.iter().enumerate() {
            let decision = match (decisions[index].take(), &state, *outcome) {
                (Some(decision), _, _) => decision,
                // What a bridge does: forward to the port learned, filter a
                // frame for a station on its own segment.
                (None, Some(Stateful::Learn { into, .. }), "hit") => {
                    Decision { actions: Vec::new(), target: Target::MetaPort(*into) }
                }
                (None, _, _) if kind == "learn" => Decision::DROP,
                (None, _, outcome) => {
                    self.error(
                        ast.at,
                        format!(
                            "found no `{outcome}` in {kind} table `{name}`, expected the decision for packets \
                             {}",
                            match outcome {
                                "pass" => "the tracker passes (`pass = { output = ... }`)",
                                "outbound" => "translated on their way out (`outbound = { output = ... }`)",
                                "inbound" => "translated on their way in (`inbound = { output = ... }`)",
                                "conform" => "within their rate (`conform = { output = ... }`)",
                                _ => "with a backend (`picked = { ... }`)",
                            }
                        ),
                    );
                    Decision::DROP
                }
            };
            entries.push(Entry { name: (*outcome).to_owned(), key: EntryKey::Outcome(index as u8), decision });
        }
        let Some(state) = state else {
            return Stage { name, kind: StageKind::FirstMatch { key: vec![] }, entries: vec![], default, loaded: None };
        };
        Stage { name, kind: StageKind::Stateful(state), entries, default, loaded: None }
    }

    fn learn(&mut self, ast: &TableAst<P>, name: &str, setting: &Settings<'_, P>) -> Option<Stateful> {
        let learn = self.field_setting(setting.get("learn"), Field::EthSrc);
        let lookup = self.field_setting(setting.get("lookup"), Field::EthDst);
        let into = self.into(ast, name, "learn", setting.get("into"), 8);
        let capacity = self.capacity(setting.get("capacity"));
        let timeout_ns = self.timeout(setting.get("idle_timeout"), 300 * SECOND);
        let (learn, lookup) = (learn?, lookup?);
        if crate::frontend::values::kind(learn) != crate::frontend::values::kind(lookup) {
            let at = setting.get("lookup").or(setting.get("learn")).map_or(ast.at, |v| v.at);
            self.error(
                at,
                format!(
                    "found learn = {} and lookup = {}, expected two fields of one kind (e.g. eth.src and eth.dst)",
                    self.field_name(learn),
                    self.field_name(lookup)
                ),
            );
            return None;
        }
        Some(Stateful::Learn { learn, lookup, into: into?, capacity: capacity?, timeout_ns: timeout_ns? })
    }

    fn conntrack(&mut self, ast: &TableAst<P>, name: &str, setting: &Settings<'_, P>) -> Option<Stateful> {
        let inside = self.inside(ast, name, setting.get("inside"));
        let capacity = self.capacity(setting.get("capacity"));
        let timeouts_ns = self.flow_timeouts(setting, FlowTimeouts::FIREWALL);
        Some(Stateful::ConnTrack { inside: inside?, capacity: capacity?, timeouts_ns: timeouts_ns? })
    }

    fn nat(&mut self, ast: &TableAst<P>, name: &str, setting: &Settings<'_, P>) -> Option<Stateful> {
        let inside = self.inside(ast, name, setting.get("inside"));
        let address = match setting.get("external") {
            None => {
                self.error(
                    ast.at,
                    format!("found no `external` in nat table `{name}`, expected the external IPv4 address"),
                );
                None
            }
            Some(At { value: Value::Text(text), at }) => {
                crate::frontend::values::scalar(Field::Ipv4Src, "external", &[], text)
                    .map_err(|message| self.error(*at, message))
                    .ok()
                    .map(|address| address as u32)
            }
            Some(value) => {
                self.error(
                    value.at,
                    format!("found {}, expected the external IPv4 address (e.g. \"203.0.113.1\")", value.value.kind()),
                );
                None
            }
        };
        let ports = match setting.get("ports").map(|v| (v, &v.value)) {
            None => Some((1024, 65535)),
            Some((_, Value::Text(text))) if text.split_once('-').is_some() => {
                let (first, last) = text.split_once('-').expect("a range");
                match (first.trim().parse::<u16>(), last.trim().parse::<u16>()) {
                    (Ok(first), Ok(last)) if 1 <= first && first <= last => Some((first, last)),
                    _ => {
                        let at = setting.get("ports").expect("given").at;
                        self.error(
                            at,
                            format!("found ports = \"{text}\", expected a range of ports such as \"1024-65535\""),
                        );
                        None
                    }
                }
            }
            Some((value, other)) => {
                self.error(
                    value.at,
                    format!("found {}, expected a range of ports such as \"1024-65535\"", other.kind()),
                );
                None
            }
        };
        let timeouts_ns = self.flow_timeouts(setting, FlowTimeouts::RFC);
        if let Some(timeouts_ns) = timeouts_ns {
            for ((setting_name, (minimum, requirement, what)), timeout) in
                FLOW_TIMEOUTS.iter().zip(NAT_MINIMUMS).zip(timeouts_ns)
            {
                // Only a value written can be below: the defaults are the minimums.
                let Some(value) = setting.get(setting_name).filter(|_| timeout < minimum) else { continue };
                self.warning(
                    value.at,
                    format!(
                        "found {setting_name} = {} in nat table `{name}`, below the {} {requirement} requires of \
                         {what}'s idle timeout (allowed, but hosts inside may lose mappings they still use)",
                        seconds(timeout),
                        seconds(minimum),
                    ),
                );
            }
        }
        let (first, last) = ports?;
        Some(Stateful::Nat { inside: inside?, external: vec![(address?, first, last)], timeouts_ns: timeouts_ns? })
    }

    fn policer(&mut self, ast: &TableAst<P>, name: &str, setting: &Settings<'_, P>) -> Option<Stateful> {
        let key = match setting.get("key") {
            None => {
                self.error(ast.at, format!("found no `key` in policer table `{name}`, expected the field to police by (e.g. key = \"ipv4.dst\")"));
                None
            }
            Some(value) => self.field_setting(Some(value), Field::Ipv4Dst),
        };
        let amount = |lowering: &mut Self, wanted: &str, what: &str, parse: &dyn Fn(&str) -> Option<u64>| {
            let Some(value) = setting.get(wanted) else {
                lowering.error(ast.at, format!("found no `{wanted}` in policer table `{name}`, expected {what}"));
                return None;
            };
            let parsed = match &value.value {
                Value::Integer(n) if *n > 0 => u64::try_from(*n).ok(),
                Value::Text(text) => parse(text).filter(|n| *n > 0),
                _ => None,
            };
            if parsed.is_none() {
                lowering.error(value.at, format!("found {}, expected {what}", describe(&value.value)));
            }
            parsed
        };
        let rate = amount(self, "rate", "a rate such as \"100Mbit/s\" or bytes per second", &rate);
        let burst = amount(self, "burst", "a burst in bytes", &|text: &str| text.parse().ok());
        let capacity = self.capacity(setting.get("capacity"));
        // Every setting is checked even when another is broken, so the
        // user sees all of their errors at once.
        let limits = match (rate, burst) {
            (Some(rate), Some(burst)) => match BucketLimits::new(rate, burst) {
                Ok(limits) => Some(limits),
                Err(error) => {
                    let at = setting.get("burst").map_or(ast.at, |v| v.at);
                    self.error(at, error.to_string());
                    None
                }
            },
            _ => None,
        };
        // A bucket must be full again before it is forgotten, or expiry
        // would hand out credit: at least the fill time, and 10 s.
        let fill_ns = limits.as_ref().map(BucketLimits::fill_ns);
        let timeout_ns = self.timeout(setting.get("idle_timeout"), fill_ns.unwrap_or(0).max(10 * SECOND));
        if let (Some(timeout_ns), Some(fill_ns)) = (timeout_ns, fill_ns) {
            if timeout_ns < fill_ns {
                let at = setting.get("idle_timeout").map_or(ast.at, |v| v.at);
                self.error(
                    at,
                    format!(
                        "found an idle timeout of {}, expected at least the {} an empty bucket takes to fill \
                         (burst / rate)",
                        seconds(timeout_ns),
                        seconds(fill_ns)
                    ),
                );
                return None;
            }
        }
        limits?;
        Some(Stateful::Police {
            key: key?,
            rate_bytes_per_s: rate?,
            burst_bytes: burst?,
            capacity: capacity?,
            timeout_ns: timeout_ns?,
        })
    }

    fn maglev(&mut self, ast: &TableAst<P>, name: &str, setting: &Settings<'_, P>) -> Option<Stateful> {
        let into = self.into(ast, name, "maglev", setting.get("into"), 1);
        let capacity = self.capacity(setting.get("capacity"));
        let timeout_ns = self.timeout(setting.get("idle_timeout"), 60 * SECOND);
        let Some(list) = setting.get("backends") else {
            self.error(
                ast.at,
                format!("found no `backends` in maglev table `{name}`, expected a list of backend values (e.g. MACs)"),
            );
            return None;
        };
        let items: Vec<At<Value<P>, P>> = match &list.value {
            Value::List(items) => items.clone(),
            _ => vec![list.clone()],
        };
        let into = into?;
        let field = Field::Meta(into);
        let mut backends = Vec::new();
        for item in &items {
            // A MAC (the usual backend for a direct-server-return balancer)
            // or a number, as wide as `into` holds.
            let value = match &item.value {
                Value::Text(text) if text.contains(':') => {
                    crate::frontend::values::scalar(Field::EthDst, "a backend", &[], text)
                        .map_err(|message| self.error(item.at, message))
                        .ok()
                }
                _ => self.scalar(field, item),
            };
            let Some(value) = value else { continue };
            if value & !field.full_mask() != 0 {
                self.error(
                    item.at,
                    format!("found a backend wider than {}, expected a value it holds", self.field_name(field)),
                );
            } else if backends.contains(&(value as u64)) {
                self.error(item.at, "found a backend twice, expected distinct backends");
            } else {
                backends.push(value as u64);
            }
        }
        if items.is_empty() || backends.len() >= MAGLEV_TABLE_SIZE || backends.len() >= usize::from(u16::MAX) {
            self.error(list.at, format!("found {} backends, expected 1 to 65,534", items.len()));
            return None;
        }
        if backends.len() != items.len() {
            return None;
        }
        Some(Stateful::Balance { backends, into, capacity: capacity?, timeout_ns: timeout_ns? })
    }

    /// A field named by a setting (the default when absent).
    fn field_setting(&mut self, value: Option<&At<Value<P>, P>>, default: Field) -> Option<Field> {
        let Some(value) = value else { return Some(default) };
        let Value::Text(path) = &value.value else {
            self.error(value.at, format!("found {}, expected a field such as eth.src", value.value.kind()));
            return None;
        };
        self.field(&At::new(path.clone(), value.at))
    }

    /// `into`: the metadata field a stage writes what it found to.
    fn into(
        &mut self,
        ast: &TableAst<P>,
        name: &str,
        kind: &str,
        value: Option<&At<Value<P>, P>>,
        min_width: u8,
    ) -> Option<MetaId> {
        let Some(value) = value else {
            self.error(
                ast.at,
                format!(
                    "found no `into` in {kind} table `{name}`, expected the metadata field that receives what it \
                     finds (into = \"meta.NAME\")"
                ),
            );
            return None;
        };
        match self.field_setting(Some(value), Field::InPort)? {
            Field::Meta(meta) if meta.width >= min_width => Some(meta),
            Field::Meta(meta) => {
                self.error(
                    value.at,
                    format!("found a metadata field of {} bits, expected at least {min_width} bits", meta.width),
                );
                None
            }
            other => {
                self.error(
                    value.at,
                    format!("found {}, expected a metadata field (meta.NAME)", self.field_name(other)),
                );
                None
            }
        }
    }

    /// `inside`: the ports whose packets go out (outbound).
    fn inside(&mut self, ast: &TableAst<P>, name: &str, value: Option<&At<Value<P>, P>>) -> Option<u32> {
        let Some(value) = value else {
            self.error(
                ast.at,
                format!("found no `inside` in table `{name}`, expected the ports of the inside network (inside = [\"lan\"])"),
            );
            return None;
        };
        let names = self.names(value, "a list of port names")?;
        let mut bits = 0u32;
        for port in &names {
            bits |= 1 << self.port(port)?;
        }
        if bits == 0 {
            self.error(value.at, "found no ports, expected at least one inside port");
            return None;
        }
        Some(bits)
    }

    fn capacity(&mut self, value: Option<&At<Value<P>, P>>) -> Option<u32> {
        let Some(value) = value else { return Some(DEFAULT_CAPACITY) };
        match value.value {
            Value::Integer(n) if n >= 1 && n <= MAX_CAPACITY as i128 => Some(n as u32),
            ref other => {
                self.error(
                    value.at,
                    format!("found {}, expected a capacity from 1 to {MAX_CAPACITY} entries", describe(other)),
                );
                None
            }
        }
    }

    /// The idle timeouts of a `conntrack` or `nat` stage, per class: each
    /// given one checked like `idle_timeout`, the others `defaults`'.
    fn flow_timeouts(&mut self, setting: &Settings<'_, P>, defaults: FlowTimeouts) -> Option<[u64; 5]> {
        let mut timeouts_ns = defaults.classes();
        let mut valid = true;
        for (timeout, name) in timeouts_ns.iter_mut().zip(FLOW_TIMEOUTS) {
            match self.timeout(setting.get(name), *timeout) {
                Some(ns) => *timeout = ns,
                None => valid = false,
            }
        }
        valid.then_some(timeouts_ns)
    }

    fn timeout(&mut self, value: Option<&At<Value<P>, P>>, default: u64) -> Option<u64> {
        let Some(value) = value else { return Some(default) };
        let ns = match &value.value {
            Value::Integer(seconds) if *seconds >= 0 => {
                u64::try_from(*seconds).ok().and_then(|s| s.checked_mul(SECOND))
            }
            Value::Text(text) => duration(text),
            _ => None,
        };
        match ns {
            Some(0) => self.error(
                value.at,
                format!(
                    "found {}, expected a duration above zero, such as \"300s\", \"5m\" or \"2h\"",
                    describe(&value.value)
                ),
            ),
            None => self.error(
                value.at,
                format!("found {}, expected a duration such as \"300s\", \"5m\" or \"2h\"", describe(&value.value)),
            ),
            Some(_) => {}
        }
        ns.filter(|ns| *ns > 0)
    }
}

/// A value as a "found ..." message shows it.
fn describe<P>(value: &Value<P>) -> String {
    match value {
        Value::Text(text) => format!("`{text}`"),
        Value::Integer(n) => n.to_string(),
        other => other.kind().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The timeouts of the one stateful stage of a spec whose table is `table`.
    fn timeouts_of(table: &str) -> ([u64; 5], Vec<String>) {
        let source = format!(
            "name = \"t\"\nports = [\"lan\", \"wan\"]\n[default]\ngoto = \"s\"\n[[table]]\nname = \"s\"\n\
             inside = [\"lan\"]\n{table}\n"
        );
        let checked = crate::frontend::toml::parse("t.toml", &source).unwrap_or_else(|e| panic!("{e:?}"));
        let warnings = checked.warnings.iter().map(ToString::to_string).collect();
        match &checked.spec.stages[1].kind {
            StageKind::Stateful(Stateful::ConnTrack { timeouts_ns, .. } | Stateful::Nat { timeouts_ns, .. }) => {
                (*timeouts_ns, warnings)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flow_timeouts_go_to_their_class_and_the_rest_keep_the_kinds_defaults() {
        let conntrack = "kind = \"conntrack\"\npass = { output = \"flood\" }";
        assert_eq!(timeouts_of(conntrack), (FlowTimeouts::FIREWALL.classes(), vec![]));
        let nat = "kind = \"nat\"\nexternal = \"203.0.113.1\"\noutbound = { output = \"wan\" }\n\
                   inbound = { output = \"lan\" }";
        assert_eq!(timeouts_of(nat), (FlowTimeouts::RFC.classes(), vec![]));
        let given =
            "tcp_transitory = \"5s\"\ntcp_established = \"1h\"\ntcp_closing = 2\nudp = \"1.5s\"\nother = \"250ms\"";
        let all = [5 * SECOND, 3_600 * SECOND, 2 * SECOND, 1_500_000_000, 250_000_000];
        assert_eq!(timeouts_of(&format!("{conntrack}\n{given}")).0, all);
        let f = FlowTimeouts::FIREWALL;
        let some = [f.tcp_transitory_ns, 3_600 * SECOND, f.tcp_closing_ns, f.udp_ns, 250_000_000];
        assert_eq!(timeouts_of(&format!("{conntrack}\ntcp_established = \"1h\"\nother = \"250ms\"")).0, some);
        let (timeouts, warnings) = timeouts_of(&format!("{nat}\nudp = \"30m\"\ntcp_closing = \"10s\""));
        let r = FlowTimeouts::RFC;
        assert_eq!(timeouts, [r.tcp_transitory_ns, r.tcp_established_ns, 10 * SECOND, 1_800 * SECOND, r.other_ns]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("tcp_closing = 10s") && warnings[0].contains("RFC 5382 REQ-5"), "{warnings:?}");
    }

    #[test]
    fn nat_timeouts_at_the_rfc_minimums_do_not_warn_and_one_nanosecond_less_does() {
        let nat = "kind = \"nat\"\nexternal = \"203.0.113.1\"\noutbound = { output = \"wan\" }\n\
                   inbound = { output = \"lan\" }";
        let minimums = "tcp_transitory = \"4m\"\ntcp_established = \"124m\"\ntcp_closing = \"240s\"\nudp = \"2m\"\n\
                        other = 60";
        let (timeouts, warnings) = timeouts_of(&format!("{nat}\n{minimums}"));
        assert_eq!(timeouts, NAT_MINIMUMS.map(|(minimum, _, _)| minimum));
        assert!(warnings.is_empty(), "{warnings:?}");
        for (class, name) in FLOW_TIMEOUTS.iter().enumerate() {
            let below = format!("{name} = \"{}ns\"", NAT_MINIMUMS[class].0 - 1);
            let (_, warnings) = timeouts_of(&format!("{nat}\n{below}"));
            assert_eq!(warnings.len(), 1, "{below}: {warnings:?}");
            assert!(warnings[0].contains(NAT_MINIMUMS[class].1), "{warnings:?}");
        }
    }

    #[test]
    fn durations_and_rates_read_as_written() {
        assert_eq!(duration("300s"), Some(300 * SECOND));
        assert_eq!(duration("1.5s"), Some(1_500_000_000));
        assert_eq!(duration("2h"), Some(7_200 * SECOND));
        assert_eq!(duration("1d"), Some(86_400 * SECOND));
        assert_eq!(duration("250ms"), Some(250_000_000));
        assert_eq!(duration("5m"), Some(300 * SECOND));
        assert_eq!(duration("7"), Some(7 * SECOND));
        assert_eq!(duration("s"), None);
        assert_eq!(duration("3 weeks"), None);
        assert_eq!(rate("100Mbit/s"), Some(12_500_000));
        assert_eq!(rate("1000"), Some(1000));
        assert_eq!(rate("2kB/s"), Some(2000));
        assert_eq!(rate("3bit/s"), None);
        assert_eq!(rate("fast"), None);
    }
}
