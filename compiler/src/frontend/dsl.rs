//! The `nf!` DSL: the spec language in Rust tokens.
//!
//! ```text
//! name: router;
//! ports: [lan, wan];
//! metadata: { nexthop: 8 };
//! action forward(mac, port) => [set eth.dst = $mac, dec_ttl] $port;
//! rule ipv4 { eth.type == ipv4 } => goto routes;
//! rule no_telnet { tcp.dst == 23 } => drop;
//! default => drop;
//! table routes: lpm(ipv4.dst) {
//!     "10.0.0.0/8" => [set meta.nexthop = 1] goto next_hops;
//!     "0.0.0.0/0" => forward(mac = "02:00:00:00:02:01", port = wan);
//!     default => drop;
//! }
//! table next_hops: exact(meta.nexthop) {
//!     1 => forward(mac = "02:00:00:00:01:01", port = lan);
//! }
//! test "lan route" {
//!     in_port: wan,
//!     packet: { ipv4.dst: "10.1.2.3", ip.ttl: 64 },
//!     expect_output: lan,
//!     expect: { ip.ttl: 63 },
//! }
//! ```
//! Values are the TOML spec's (strings for addresses, prefixes, ranges and
//! masks; integers; names such as `ipv4` or `tcp`). Tables are `lpm`,
//! `exact`, `ternary` or `range` over the fields in parentheses, with
//! `from "file.csv"` for entries kept in a file (relative to the crate) or
//! `load runtime actions(a, b)` for entries loaded when the binary starts.
//! The tokens are parsed into the same syntax tree as a TOML spec and
//! lowered by the same code, so both languages mean the same and report the
//! same errors, here at the offending tokens, all at once.

use super::ast::*;
use super::hints::suggestion;
use super::lower::{self, Sink};
use crate::diag::Severity;
use crate::ir::Spec;
use proc_macro2::{Span, TokenStream};
use std::path::Path;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{braced, bracketed, parenthesized, Ident, LitInt, LitStr, Token};

/// A spec that passed every check, with warnings at their spans.
pub struct CheckedDsl {
    pub spec: Spec,
    pub warnings: Vec<(Span, String)>,
    /// The entries files the spec read.
    pub inputs: Vec<std::path::PathBuf>,
}

/// Lower `nf!` tokens; every error at once, combined. Entries files are read
/// relative to `directory` (the crate's manifest directory).
pub fn parse(tokens: TokenStream) -> Result<CheckedDsl, syn::Error> {
    parse_in(tokens, Path::new("."))
}

/// `parse`, reading entries files relative to `directory`.
pub fn parse_in(tokens: TokenStream, directory: &Path) -> Result<CheckedDsl, syn::Error> {
    let ast = (|input: ParseStream| spec(input)).parse2(tokens)?;
    let mut sink = DslSink { errors: Vec::new(), warnings: Vec::new() };
    let inputs = std::cell::RefCell::new(Vec::new());
    let read_file = |name: &str| super::toml::read_input(directory, name, &inputs);
    let spec = lower::lower(&ast, &mut sink, &read_file);
    let mut errors = sink.errors.into_iter();
    match errors.next() {
        None => Ok(CheckedDsl { spec, warnings: sink.warnings, inputs: inputs.into_inner() }),
        Some(mut first) => {
            errors.for_each(|e| first.combine(e));
            Err(first)
        }
    }
}

struct DslSink {
    errors: Vec<syn::Error>,
    warnings: Vec<(Span, String)>,
}

impl Sink<Span> for DslSink {
    fn report(&mut self, severity: Severity, at: Span, message: String) {
        match severity {
            Severity::Error => self.errors.push(syn::Error::new(at, message)),
            Severity::Warning => self.warnings.push((at, message)),
        }
    }

    fn report_in_file(&mut self, severity: Severity, file: &str, line: usize, column: usize, message: String) {
        let text = format!("{file}:{line}:{column}: {message}");
        self.report(severity, Span::call_site(), text);
    }

    fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    fn line(&self, at: Span) -> usize {
        at.start().line
    }
}

type Ast<T> = At<T, Span>;

fn keyword(input: ParseStream, expected: &str) -> syn::Result<Ident> {
    let ident = Ident::parse_any(input)?;
    if ident != expected {
        return Err(syn::Error::new(ident.span(), format!("found `{ident}`, expected `{expected}`")));
    }
    Ok(ident)
}

/// `ipv4.dst`, `eth.type`, `meta.nexthop`: names joined by dots (Rust
/// keywords such as `type` included).
fn field_path(input: ParseStream) -> syn::Result<Ast<String>> {
    let first = Ident::parse_any(input)?;
    let span = first.span();
    let mut path = first.to_string();
    while input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        let next = Ident::parse_any(input)?;
        path.push('.');
        path.push_str(&next.to_string());
    }
    Ok(At::new(path, span))
}

/// A value: a string, an integer, a name, `$param`, `*`, or a field path
/// (for `copy`), as the TOML spec would write it.
fn value(input: ParseStream) -> syn::Result<Ast<Value<Span>>> {
    if input.peek(LitStr) {
        let literal: LitStr = input.parse()?;
        Ok(At::new(Value::Text(literal.value()), literal.span()))
    } else if input.peek(LitInt) {
        let literal: LitInt = input.parse()?;
        let number: i128 = literal.base10_parse()?;
        Ok(At::new(Value::Integer(number), literal.span()))
    } else if input.peek(Token![$]) {
        let dollar = input.parse::<Token![$]>()?;
        let name = Ident::parse_any(input)?;
        Ok(At::new(Value::Text(format!("${name}")), dollar.span))
    } else if input.peek(Token![*]) {
        let star = input.parse::<Token![*]>()?;
        Ok(At::new(Value::Text("*".to_owned()), star.span))
    } else if input.peek(Ident::peek_any) {
        let path = field_path(input)?;
        Ok(At::new(Value::Text(path.value), path.at))
    } else {
        Err(input.error("expected a value: a string such as \"10.0.0.0/8\", an integer or a name"))
    }
}

/// `a, b, c` up to the end of `input`.
fn comma_separated<T>(input: ParseStream, mut item: impl FnMut(ParseStream) -> syn::Result<T>) -> syn::Result<Vec<T>> {
    let mut items = Vec::new();
    while !input.is_empty() {
        items.push(item(input)?);
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(items)
}

/// `(name = value, ...)`: a call's arguments.
fn named_arguments(input: ParseStream) -> syn::Result<Pairs<Span>> {
    let content;
    parenthesized!(content in input);
    comma_separated(&content, |input| {
        let key = name(input)?;
        input.parse::<Token![=]>()?;
        Ok((key, value(input)?))
    })
}

fn name(input: ParseStream) -> syn::Result<Ast<String>> {
    let ident = Ident::parse_any(input)?;
    Ok(At::new(ident.to_string(), ident.span()))
}

fn spec(input: ParseStream) -> syn::Result<SpecAst<Span>> {
    let mut spec = SpecAst {
        at: input.span(),
        name: None,
        ports: None,
        metadata: Vec::new(),
        actions: Vec::new(),
        rules: Vec::new(),
        default: None,
        tables: Vec::new(),
        tests: Vec::new(),
    };
    while !input.is_empty() {
        let item = Ident::parse_any(input)?;
        match item.to_string().as_str() {
            "name" => {
                input.parse::<Token![:]>()?;
                spec.name = Some(name(input)?);
                input.parse::<Token![;]>()?;
            }
            "ports" => {
                input.parse::<Token![:]>()?;
                let content;
                let brackets = bracketed!(content in input);
                let names = comma_separated(&content, name)?;
                let list = names.into_iter().map(|n| At::new(Value::Text(n.value), n.at)).collect();
                spec.ports = Some(At::new(Value::List(list), brackets.span.join()));
                input.parse::<Token![;]>()?;
            }
            "metadata" => {
                input.parse::<Token![:]>()?;
                let content;
                braced!(content in input);
                spec.metadata = comma_separated(&content, |input| {
                    let field = name(input)?;
                    input.parse::<Token![:]>()?;
                    Ok((field, value(input)?))
                })?;
                input.parse::<Token![;]>()?;
            }
            "action" => spec.actions.push(action_definition(input)?),
            "rule" => spec.rules.push(rule(input)?),
            "default" => {
                input.parse::<Token![=>]>()?;
                spec.default = Some(decision(input)?);
                input.parse::<Token![;]>()?;
            }
            "table" => spec.tables.push(table(input)?),
            "test" => spec.tests.push(test(input)?),
            other => {
                let items = ["name", "ports", "metadata", "action", "rule", "default", "table", "test"];
                let hint = suggestion(other, items);
                return Err(syn::Error::new(
                    item.span(),
                    format!(
                        "found `{other}`, expected `name`, `ports`, `metadata`, `action`, `rule`, `default`, \
                         `table` or `test`{hint}"
                    ),
                ));
            }
        }
    }
    Ok(spec)
}

/// `action NAME(param, ...) => decision;`
fn action_definition(input: ParseStream) -> syn::Result<ActionDefAst<Span>> {
    let name = name(input)?;
    let content;
    parenthesized!(content in input);
    let params = comma_separated(&content, self::name)?;
    input.parse::<Token![=>]>()?;
    let decision = decision(input)?;
    input.parse::<Token![;]>()?;
    Ok(ActionDefAst { at: name.at, name, params, decision })
}

/// `rule NAME { field == value, ... } => decision;`
fn rule(input: ParseStream) -> syn::Result<RuleAst<Span>> {
    let name = self::name(input)?;
    let content;
    braced!(content in input);
    let matches = comma_separated(&content, |input| {
        let path = field_path(input)?;
        input.parse::<Token![==]>()?;
        Ok((path, value(input)?))
    })?;
    input.parse::<Token![=>]>()?;
    let decision = decision(input)?;
    input.parse::<Token![;]>()?;
    Ok(RuleAst { at: name.at, name: Some(name), matches, decision })
}

/// `[actions] target`, or `NAME(arg = value, ...)` calling an action.
fn decision(input: ParseStream) -> syn::Result<DecisionAst<Span>> {
    let mut decision = DecisionAst::empty(input.span());
    if input.peek(syn::token::Bracket) {
        let content;
        bracketed!(content in input);
        decision.actions = comma_separated(&content, action)?;
    }
    if input.peek(Token![$]) {
        let parameter = value(input)?;
        if let Value::Text(text) = parameter.value {
            decision.target = Some(TargetAst::One(At::new(text, parameter.at)));
        }
        return Ok(decision);
    }
    let target = Ident::parse_any(input)?;
    let span = target.span();
    decision.target = Some(match target.to_string().as_str() {
        "goto" => TargetAst::Goto(name(input)?),
        "ports" => {
            let content;
            let parens = parenthesized!(content in input);
            TargetAst::Ports(At::new(comma_separated(&content, name)?, parens.span.join()))
        }
        "meta" if input.peek(Token![.]) => {
            input.parse::<Token![.]>()?;
            let field = Ident::parse_any(input)?;
            TargetAst::One(At::new(format!("meta.{field}"), span))
        }
        called if input.peek(syn::token::Paren) && decision.actions.is_empty() => {
            let arguments = named_arguments(input)?;
            decision.call = Some((At::new(called.to_owned(), span), arguments));
            return Ok(decision);
        }
        other => TargetAst::One(At::new(other.to_owned(), span)),
    });
    Ok(decision)
}

fn action(input: ParseStream) -> syn::Result<Ast<ActionAst<Span>>> {
    let verb = Ident::parse_any(input)?;
    let span = verb.span();
    let action = match verb.to_string().as_str() {
        "set" | "copy" => {
            let path = field_path(input)?;
            input.parse::<Token![=]>()?;
            let pairs = vec![(path, value(input)?)];
            if verb == "set" {
                ActionAst::Set(pairs)
            } else {
                ActionAst::Copy(pairs)
            }
        }
        "push_vlan" => {
            let content;
            parenthesized!(content in input);
            let vid = value(&content)?;
            let pcp = if content.parse::<Option<Token![,]>>()?.is_some() { Some(value(&content)?) } else { None };
            ActionAst::PushVlan { vid: Some(vid), pcp }
        }
        // `arp_reply(address = "10.0.0.1", mac = "02:..")`,
        // `icmp_error(type = time_exceeded, mac = "02:..", ipv4 = "10.0.0.1")`.
        "arp_reply" | "icmp_error" => ActionAst::Reply(verb.to_string(), named_arguments(input)?),
        other => ActionAst::Named(other.to_owned()),
    };
    Ok(At::new(action, span))
}

/// `table NAME: KIND(field, ...) [from "file"] [load runtime actions(a, ..)] { entries }`
fn table(input: ParseStream) -> syn::Result<TableAst<Span>> {
    let table_name = name(input)?;
    input.parse::<Token![:]>()?;
    let kind = name(input)?;
    let content;
    let parens = parenthesized!(content in input);
    if STATEFUL_KINDS.contains(&kind.value.as_str()) {
        return stateful_table(input, table_name, kind, &content);
    }
    let key_fields = comma_separated(&content, field_path)?;
    let key = At::new(
        Value::List(key_fields.into_iter().map(|f| At::new(Value::Text(f.value), f.at)).collect()),
        parens.span.join(),
    );
    let mut table = TableAst::new(table_name.at, Some(table_name), Some(At::new(Value::Text(kind.value), kind.at)));
    table.key = Some(key);
    while !input.peek(syn::token::Brace) {
        let option = Ident::parse_any(input)?;
        match option.to_string().as_str() {
            "from" => {
                let file: LitStr = input.parse()?;
                table.entries_file = Some(At::new(file.value(), file.span()));
            }
            "load" => table.load = Some(name(input)?),
            "actions" => {
                let content;
                let parens = parenthesized!(content in input);
                let names = comma_separated(&content, name)?;
                table.actions = Some(At::new(names, parens.span.join()));
            }
            other => {
                let hint = suggestion(other, ["from", "load", "actions"]);
                return Err(syn::Error::new(
                    option.span(),
                    format!("found `{other}`, expected `from \"file\"`, `load runtime`, `actions(..)` or `{{`{hint}"),
                ));
            }
        }
    }
    let body;
    braced!(body in input);
    while !body.is_empty() {
        if body.peek(Ident::peek_any) && body.fork().call(Ident::parse_any).is_ok_and(|i| i == "default") {
            keyword(&body, "default")?;
            body.parse::<Token![=>]>()?;
            table.default = Some(decision(&body)?);
            body.parse::<Token![;]>()?;
            continue;
        }
        let at = body.span();
        let key = if body.peek(syn::token::Paren) {
            let content;
            let parens = parenthesized!(content in body);
            At::new(Value::List(comma_separated(&content, value)?), parens.span.join())
        } else {
            value(&body)?
        };
        let priority = if body.peek(Ident) && body.fork().call(Ident::parse_any).is_ok_and(|i| i == "priority") {
            keyword(&body, "priority")?;
            Some(value(&body)?)
        } else {
            None
        };
        body.parse::<Token![=>]>()?;
        let decision = decision(&body)?;
        body.parse::<Token![;]>()?;
        table.entries.push(EntryAst { at, key: Some(key), priority, decision });
    }
    Ok(table)
}

/// `table NAME: KIND(setting = value, ...) { outcome => decision; default => decision; }`:
/// a stateful stage (settings values as elsewhere, lists in brackets).
fn stateful_table(
    input: ParseStream,
    table_name: Ast<String>,
    kind: Ast<String>,
    settings: ParseStream,
) -> syn::Result<TableAst<Span>> {
    let mut table = TableAst::new(table_name.at, Some(table_name), Some(At::new(Value::Text(kind.value), kind.at)));
    table.settings = comma_separated(settings, |input| {
        let setting = name(input)?;
        input.parse::<Token![=]>()?;
        let value = if input.peek(syn::token::Bracket) {
            let content;
            let brackets = bracketed!(content in input);
            At::new(Value::List(comma_separated(&content, value)?), brackets.span.join())
        } else {
            value(input)?
        };
        Ok((setting, value))
    })?;
    let body;
    braced!(body in input);
    while !body.is_empty() {
        let outcome = name(&body)?;
        body.parse::<Token![=>]>()?;
        let decision = decision(&body)?;
        body.parse::<Token![;]>()?;
        if outcome.value == "default" {
            table.default = Some(decision);
        } else {
            table.outcomes.push((outcome, decision));
        }
    }
    Ok(table)
}

/// `test "name" { in_port: p, packet: { field: value, ... } | packet_hex: "..",
/// expect_output: target, expect: { .. } | expect_hex: ".." }`
fn test(input: ParseStream) -> syn::Result<TestAst<Span>> {
    let title: LitStr = input.parse()?;
    let mut test = TestAst {
        at: title.span(),
        name: Some(At::new(title.value(), title.span())),
        in_port: None,
        packet: None,
        expect_output: None,
        expect: None,
        time: None,
    };
    let content;
    braced!(content in input);
    let fields = |input: ParseStream| -> syn::Result<PacketAst<Span>> {
        let inner;
        let braces = braced!(inner in input);
        let pairs = comma_separated(&inner, |input| {
            let path = field_path(input)?;
            input.parse::<Token![:]>()?;
            Ok((path, value(input)?))
        })?;
        Ok(PacketAst::Fields(At::new(pairs, braces.span.join())))
    };
    let hex = |input: ParseStream| -> syn::Result<PacketAst<Span>> {
        let text: LitStr = input.parse()?;
        Ok(PacketAst::Hex(At::new(text.value(), text.span())))
    };
    comma_separated(&content, |input| {
        let key = Ident::parse_any(input)?;
        input.parse::<Token![:]>()?;
        match key.to_string().as_str() {
            "in_port" => test.in_port = Some(name(input)?),
            "time" => test.time = Some(value(input)?),
            "packet" => test.packet = Some(fields(input)?),
            "packet_hex" => test.packet = Some(hex(input)?),
            "expect" => test.expect = Some(fields(input)?),
            "expect_hex" => test.expect = Some(hex(input)?),
            "expect_output" => test.expect_output = decision(input)?.target,
            other => {
                let keys = ["time", "in_port", "packet", "packet_hex", "expect_output", "expect", "expect_hex"];
                let hint = suggestion(other, keys);
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "found `{other}`, expected time, in_port, packet, packet_hex, expect_output, expect or \
                         expect_hex{hint}"
                    ),
                ));
            }
        }
        Ok(())
    })?;
    Ok(test)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::*;
    use quote::quote;

    #[test]
    fn lowers_rules_actions_and_targets() {
        let checked = parse(quote! {
            name: edge;
            ports: [inside, outside];
            rule no_telnet { tcp.dst == 23 } => drop;
            rule web { in_port == outside, ipv4.dst == "10.0.1.0/24", tcp.dst == "80-443" } => inside;
            rule out { in_port == inside } => [set eth.src = "02:00:00:00:00:01", dec_ttl] outside;
            rule ping { ip.proto == icmp } => ports(inside, outside);
            rule arp { eth.type == arp } => flood;
            default => flood;
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let rules = &checked.spec.rules().entries;
        assert_eq!(rules.len(), 5);
        let EntryKey::Conditions(web) = &rules[1].key else { panic!("conditions") };
        assert_eq!(web[1].test, Test::Masked { value: 0x0a00_0100, mask: 0xffff_ff00 });
        assert_eq!(web[2].test, Test::Range { low: 80, high: 443 });
        assert_eq!(
            rules[2].decision.actions,
            vec![Action::Set { field: Field::EthSrc, value: 0x0200_0000_0001 }, Action::DecrementTtl]
        );
        assert_eq!(rules[3].decision.target, Target::Ports(0b11));
        let EntryKey::Conditions(arp) = &rules[4].key else { panic!("conditions") };
        assert_eq!(arp[0], Condition { field: Field::EthType, test: Test::Masked { value: 0x0806, mask: 0xffff } });
        assert_eq!(checked.spec.rules().default.target, Target::Flood);
        assert!(checked.warnings.is_empty());
    }

    #[test]
    fn every_value_error_at_once_and_shadowing_warnings() {
        let error = parse(quote! {
            name: bad;
            ports: [a, b];
            rule r1 { ipv4.dts == "10.0.0.0/8" } => b;
            rule r2 { ipv4.dst == "02:00:00:00:00:01" } => c;
        })
        .err()
        .expect("broken");
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("unknown field `ipv4.dts`"));
        assert!(messages[0].contains("did you mean `ipv4.dst`?"), "{}", messages[0]);
        assert!(messages[1].contains("expected an IPv4 address"));
        assert!(messages[2].contains("undefined port `c`"));

        let checked = parse(quote! {
            name: s;
            ports: [a, b];
            rule wide { tcp.dst == "1-1000" } => b;
            rule narrow { tcp.dst == 22 } => a;
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(checked.warnings.len(), 1);
        assert!(checked.warnings[0].1.contains("rule `narrow` is shadowed by earlier rule `wide`"));
    }

    #[test]
    fn did_you_mean_hints_as_in_toml() {
        let error = parse(quote! {
            name: hints;
            ports: [inside, outside];
            rule r1 { in_port == insid, tcp.dts == 23 } => [set ip.tll = 3, dec_tll] drop;
        })
        .err()
        .expect("broken");
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].ends_with("(did you mean `inside`?)"), "{}", messages[0]);
        assert!(messages[1].ends_with("(did you mean `tcp.dst`?)"), "{}", messages[1]);
        assert!(messages[2].ends_with("(did you mean `ip.ttl`?)"), "{}", messages[2]);
        assert!(messages[3].ends_with("(did you mean `dec_ttl`?)"), "{}", messages[3]);
        let error = parse(quote! { name: t; ports: [a, b]; rule r { tcp.dst == 23 } => a; ruel x {} => a; })
            .err()
            .expect("broken");
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        assert!(messages.iter().any(|m| m.ends_with("(did you mean `rule`?)")), "{messages:?}");
    }

    #[test]
    fn never_matching_rules_and_unguaranteed_sets_warn() {
        let checked = parse(quote! {
            name: w;
            ports: [a, b];
            rule both { tcp.dst == 23, udp.src == 53 } => drop;
            rule arp { eth.kind == 1 } => b;
        });
        assert!(checked.is_err(), "eth.kind is no field");
        let checked = parse(quote! {
            name: w;
            ports: [a, b];
            rule both { tcp.dst == 23, udp.src == 53 } => drop;
            rule everything { in_port == a } => [set ip.ttl = 9] b;
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let warnings: Vec<&str> = checked.warnings.iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("rule `both` never matches"), "{}", warnings[0]);
        assert!(warnings[1].contains("`set ip.ttl` in rule `everything` does nothing"), "{}", warnings[1]);
    }

    #[test]
    fn tables_metadata_actions_and_tests() {
        let checked = parse(quote! {
            name: router;
            ports: [lan, wan];
            metadata: { hop: 8 };
            action forward(mac, port) => [set eth.dst = $mac, dec_ttl] $port;
            rule ipv4 { eth.type == ipv4 } => goto routes;
            default => drop;
            table routes: lpm(ipv4.dst) {
                "10.0.0.0/8" => [set meta.hop = 1] goto hops;
                "0.0.0.0/0" => forward(mac = "02:00:00:00:02:01", port = wan);
                default => drop;
            }
            table hops: exact(meta.hop) {
                1 => forward(mac = "02:00:00:00:01:01", port = lan);
            }
            test "lan route" {
                in_port: wan,
                packet: { ipv4.dst: "10.1.2.3", ip.ttl: 64 },
                expect_output: lan,
                expect: { ip.ttl: 63, eth.dst: "02:00:00:00:01:01" },
            }
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let spec = checked.spec;
        assert_eq!(spec.stages.len(), 3);
        assert_eq!(spec.metadata, vec![MetaField { name: "hop".into(), width: 8 }]);
        let hop = Field::Meta(MetaId { index: 0, width: 8 });
        assert_eq!(spec.stages[2].kind, StageKind::Exact { key: vec![hop] });
        assert_eq!(
            spec.stages[2].entries[0].decision,
            Decision {
                actions: vec![Action::Set { field: Field::EthDst, value: 0x0200_0000_0101 }, Action::DecrementTtl],
                target: Target::Ports(1)
            }
        );
        assert_eq!(spec.stages[1].entries[0].decision.target, Target::Goto(2));
        assert_eq!(spec.tests.len(), 1);
        assert_eq!(spec.tests[0].expect_outputs, 1);
    }

    #[test]
    fn router_replies_and_stateful_stages() {
        let checked = parse(quote! {
            name: gateway;
            ports: [lan, wan];
            metadata: { port: 8 };
            rule arp { in_port == lan, eth.type == arp } => [arp_reply(address = "10.0.0.1", mac = "02:00:00:00:00:01")] in_port;
            rule expiring { ip.ttl == "0-1" } => [icmp_error(type = time_exceeded, mac = "02:00:00:00:00:01", ipv4 = "10.0.0.1")] in_port;
            default => goto macs;
            table macs: learn(into = meta.port, capacity = 16, idle_timeout = "1m") {
                same_port => drop;
            }
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let spec = checked.spec;
        assert_eq!(
            spec.rules().entries[0].decision.actions,
            [Action::ArpReply { address: 0x0a00_0001, mac: 0x0200_0000_0001 }]
        );
        assert_eq!(
            spec.rules().entries[1].decision.actions,
            [Action::IcmpError { error: ReplyError::TimeExceeded, mac: 0x0200_0000_0001, ipv4: 0x0a00_0001, ipv6: 0 }]
        );
        let port = MetaId { index: 0, width: 8 };
        assert_eq!(
            spec.stages[1].kind,
            StageKind::Stateful(Stateful::Learn {
                learn: Field::EthSrc,
                lookup: Field::EthDst,
                into: port,
                capacity: 16,
                timeout_ns: 60_000_000_000
            })
        );
        // `hit` by default out of the port found; a miss floods.
        assert_eq!(spec.stages[1].entries[0].decision.target, Target::MetaPort(port));
        assert_eq!(spec.stages[1].default.target, Target::Flood);
    }
}
