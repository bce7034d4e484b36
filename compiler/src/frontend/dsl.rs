//! The `network_function!` DSL: the spec language in Rust tokens.
//!
//! ```text
//! name: edge;
//! ports: [inside, outside];
//! rule no_telnet { tcp.dst == 23 } => drop;
//! rule web { in_port == outside, ipv4.dst == "10.0.1.0/24", tcp.dst == "80-443" } => inside;
//! rule out { in_port == inside } => [set eth.src = "02:00:00:00:00:01", dec_ttl] outside;
//! rule ping { ip.proto == icmp } => flood;
//! default => drop;
//! ```
//! Values are the TOML spec's (strings for addresses, prefixes, ranges and
//! masks; integers; names such as `ipv4` or `tcp`); targets are a port,
//! `drop`, `flood`, `in_port` or `ports(a, b)`. Tables are TOML-only for now.
//! Errors carry the span of the offending tokens, all of them at once.

use super::hints::suggestion;
use super::values;
use crate::check;
use crate::diag::Severity;
use crate::ir::*;
use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{braced, bracketed, parenthesized, Ident, LitInt, LitStr, Token};

/// A spec that passed every check, with warnings at their spans.
pub struct CheckedDsl {
    pub spec: Spec,
    pub warnings: Vec<(Span, String)>,
}

/// Lower `network_function!` tokens; every error at once, combined.
pub fn parse(tokens: TokenStream) -> Result<CheckedDsl, syn::Error> {
    let mut lowering = Lowering { errors: Vec::new(), ports: Vec::new(), rule_spans: Vec::new() };
    let spec = match (|input: ParseStream| lowering.spec(input)).parse2(tokens) {
        Ok(spec) => spec,
        // A syntax error ends parsing; the value errors found before it are
        // reported with it, not lost.
        Err(syntax) => {
            let mut errors = lowering.errors.into_iter();
            let Some(mut first) = errors.next() else { return Err(syntax) };
            errors.for_each(|e| first.combine(e));
            first.combine(syntax);
            return Err(first);
        }
    };
    let mut findings = check::names(&spec);
    if lowering.errors.is_empty() && findings.is_empty() {
        findings = check::warnings(&spec);
    }
    let mut warnings = Vec::new();
    for finding in findings {
        let span = match finding.about {
            check::Subject::Rule(rule) => lowering.rule_spans.get(rule).copied(),
            // The DSL has no tables or test cases.
            check::Subject::Table(_) | check::Subject::Test(_) | check::Subject::TestExpectation(_) => None,
        };
        let span = span.unwrap_or_else(Span::call_site);
        match finding.severity {
            Severity::Error => lowering.errors.push(syn::Error::new(span, finding.message)),
            Severity::Warning => warnings.push((span, finding.message)),
        }
    }
    let mut errors = lowering.errors.into_iter();
    match errors.next() {
        None => Ok(CheckedDsl { spec, warnings }),
        Some(mut first) => {
            errors.for_each(|e| first.combine(e));
            Err(first)
        }
    }
}

struct Lowering {
    /// Errors in values and names; syntax errors stop parsing at once.
    errors: Vec<syn::Error>,
    ports: Vec<String>,
    rule_spans: Vec<Span>,
}

/// `ipv4.dst`, `in_port`: identifiers joined by dots.
fn field_path(input: ParseStream) -> syn::Result<(String, Span)> {
    let first: Ident = input.parse()?;
    let span = first.span();
    let mut path = first.to_string();
    while input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        let next: Ident = input.parse()?;
        path.push('.');
        path.push_str(&next.to_string());
    }
    Ok((path, span))
}

/// A value as the text the value parsers read.
fn value_text(input: ParseStream) -> syn::Result<(String, Span)> {
    if input.peek(LitStr) {
        let literal: LitStr = input.parse()?;
        Ok((literal.value(), literal.span()))
    } else if input.peek(LitInt) {
        let literal: LitInt = input.parse()?;
        Ok((literal.base10_digits().to_owned(), literal.span()))
    } else if input.peek(Ident) {
        let name: Ident = input.parse()?;
        Ok((name.to_string(), name.span()))
    } else {
        Err(input.error("expected a value: a string such as \"10.0.0.0/8\", an integer or a name"))
    }
}

impl Lowering {
    fn error(&mut self, span: Span, message: String) {
        self.errors.push(syn::Error::new(span, message));
    }

    fn keyword(input: ParseStream, expected: &str) -> syn::Result<Ident> {
        let ident: Ident = input.parse()?;
        if ident != expected {
            return Err(syn::Error::new(ident.span(), format!("found `{ident}`, expected `{expected}`")));
        }
        Ok(ident)
    }

    fn spec(&mut self, input: ParseStream) -> syn::Result<Spec> {
        Self::keyword(input, "name")?;
        input.parse::<Token![:]>()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![;]>()?;
        Self::keyword(input, "ports")?;
        input.parse::<Token![:]>()?;
        let content;
        bracketed!(content in input);
        let ports = content.parse_terminated(<Ident as syn::parse::Parse>::parse, Token![,])?;
        for port in &ports {
            if self.ports.contains(&port.to_string()) {
                self.error(port.span(), format!("found port `{port}` twice, expected unique port names"));
            }
            self.ports.push(port.to_string());
        }
        if self.ports.is_empty() || self.ports.len() > nfc_runtime::MAX_PORTS {
            return Err(input.error(format!("expected 1 to {} ports", nfc_runtime::MAX_PORTS)));
        }
        input.parse::<Token![;]>()?;
        let mut rules = Vec::new();
        let mut default = Decision { actions: vec![], target: Target::Drop };
        while !input.is_empty() {
            let keyword: Ident = input.parse()?;
            if keyword == "rule" {
                rules.push(self.rule(input)?);
            } else if keyword == "default" {
                input.parse::<Token![=>]>()?;
                default = self.decision(input)?;
                input.parse::<Token![;]>()?;
            } else {
                let hint = suggestion(&keyword.to_string(), ["rule", "default"]);
                return Err(syn::Error::new(
                    keyword.span(),
                    format!("found `{keyword}`, expected `rule` or `default`{hint}"),
                ));
            }
        }
        let ports = self.ports.iter().map(|name| Port { name: name.clone() }).collect();
        Ok(Spec { name: name.to_string(), ports, rules, tables: vec![], default, tests: vec![] })
    }

    fn rule(&mut self, input: ParseStream) -> syn::Result<Rule> {
        let name: Ident = input.parse()?;
        self.rule_spans.push(name.span());
        let content;
        braced!(content in input);
        let mut conditions = Vec::new();
        while !content.is_empty() {
            let (path, span) = field_path(&content)?;
            content.parse::<Token![==]>()?;
            let (text, value_span) = value_text(&content)?;
            match Field::from_path(&path) {
                None => {
                    let hint = suggestion(&path, Field::ALL.iter().map(|f| f.path()));
                    self.error(
                        span,
                        format!("found unknown field `{path}`, expected a field such as ipv4.dst or tcp.dst{hint}"),
                    )
                }
                Some(Field::InPort) => match self.ports.iter().position(|p| *p == text) {
                    Some(port) => conditions.push(Condition {
                        field: Field::InPort,
                        test: Test::Masked { value: port as u128, mask: 0xff },
                    }),
                    None => {
                        let hint = suggestion(&text, self.ports.iter().map(String::as_str));
                        self.error(
                            value_span,
                            format!("found undefined port `{text}`, expected one of {}{hint}", self.ports.join(", ")),
                        )
                    }
                },
                Some(field) => match values::test(field, &text) {
                    Ok(test) => conditions.push(Condition { field, test }),
                    Err(message) => self.error(value_span, message),
                },
            }
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
            }
        }
        input.parse::<Token![=>]>()?;
        let decision = self.decision(input)?;
        input.parse::<Token![;]>()?;
        Ok(Rule { name: name.to_string(), conditions, decision })
    }

    /// `[actions]? target`
    fn decision(&mut self, input: ParseStream) -> syn::Result<Decision> {
        let mut actions = Vec::new();
        if input.peek(syn::token::Bracket) {
            let content;
            bracketed!(content in input);
            while !content.is_empty() {
                actions.push(self.action(&content)?);
                if !content.is_empty() {
                    content.parse::<Token![,]>()?;
                }
            }
        }
        let target: Ident = input.parse()?;
        let target = match target.to_string().as_str() {
            "drop" => Target::Drop,
            "flood" => Target::Flood,
            "in_port" => Target::InPort,
            "ports" => {
                let content;
                parenthesized!(content in input);
                let mut bits = 0;
                for port in content.parse_terminated(<Ident as syn::parse::Parse>::parse, Token![,])? {
                    bits |= self.port_bit(&port);
                }
                if bits == 0 {
                    Target::Drop
                } else {
                    Target::Ports(bits)
                }
            }
            _ => match self.port_bit(&target) {
                0 => Target::Drop,
                bit => Target::Ports(bit),
            },
        };
        Ok(Decision { actions, target })
    }

    fn port_bit(&mut self, port: &Ident) -> u32 {
        match self.ports.iter().position(|p| port == p) {
            Some(index) => 1 << index,
            None => {
                let words = ["drop", "flood", "in_port", "ports"];
                let hint = suggestion(&port.to_string(), self.ports.iter().map(String::as_str).chain(words));
                self.error(
                    port.span(),
                    format!(
                        "found undefined port `{port}`, expected one of {}, drop, flood, in_port or ports(..){hint}",
                        self.ports.join(", ")
                    ),
                );
                0
            }
        }
    }

    fn action(&mut self, input: ParseStream) -> syn::Result<Action> {
        let verb: Ident = input.parse()?;
        Ok(match verb.to_string().as_str() {
            "dec_ttl" => Action::DecrementTtl,
            "swap_macs" => Action::SwapMacs,
            "pop_vlan" => Action::PopVlan,
            "push_vlan" => {
                let content;
                parenthesized!(content in input);
                let vid: LitInt = content.parse()?;
                let pcp = if content.parse::<Option<Token![,]>>()?.is_some() {
                    content.parse::<LitInt>()?.base10_parse()?
                } else {
                    0u8
                };
                let vid: u16 = vid.base10_parse()?;
                if vid > 4095 || pcp > 7 {
                    self.error(
                        verb.span(),
                        format!("found push_vlan({vid}, {pcp}), expected a vid of 0..=4095 and a pcp of 0..=7"),
                    );
                }
                Action::PushVlan { vid, pcp }
            }
            "set" => {
                let (path, span) = field_path(input)?;
                input.parse::<Token![=]>()?;
                let (text, value_span) = value_text(input)?;
                let Some(field) = Field::from_path(&path) else {
                    let writable = Field::ALL.iter().filter(|f| f.is_writable()).map(|f| f.path());
                    let hint = suggestion(&path, writable);
                    self.error(span, format!("found unknown field `{path}`, expected a writable field{hint}"));
                    return Ok(Action::SwapMacs);
                };
                if !field.is_writable() {
                    self.error(span, format!("found a write to `{path}`, which is read-only"));
                }
                match values::scalar(field, &text) {
                    Ok(value) => Action::Set { field, value },
                    Err(message) => {
                        self.error(value_span, message);
                        Action::Set { field, value: 0 }
                    }
                }
            }
            other => {
                let hint = suggestion(other, ["set", "dec_ttl", "swap_macs", "push_vlan", "pop_vlan"]);
                return Err(syn::Error::new(
                    verb.span(),
                    format!(
                        "found action `{other}`, expected set, dec_ttl, swap_macs, push_vlan(..) or pop_vlan{hint}"
                    ),
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
            default => flood;
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let spec = checked.spec;
        assert_eq!(spec.rules.len(), 4);
        assert_eq!(spec.rules[1].conditions[1].test, Test::Masked { value: 0x0a00_0100, mask: 0xffff_ff00 });
        assert_eq!(spec.rules[1].conditions[2].test, Test::Range { low: 80, high: 443 });
        assert_eq!(
            spec.rules[2].decision.actions,
            vec![Action::Set { field: Field::EthSrc, value: 0x0200_0000_0001 }, Action::DecrementTtl]
        );
        assert_eq!(spec.rules[3].decision.target, Target::Ports(0b11));
        assert_eq!(spec.default.target, Target::Flood);
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
        assert!(messages[0].ends_with("(did you mean `ipv4.dst`?)"), "{}", messages[0]);
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
        let error = parse(quote! { name: t; ports: [a, b]; rule r { tcp.dst == 23 } => outsid; ruel x {} => a; })
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
}
