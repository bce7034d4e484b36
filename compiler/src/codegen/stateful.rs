//! Stateful stages as fields of the generated type holding `runtime::state`
//! structures, and the code that consults them: one `match` on the result
//! (counted), then the outcome's decision, inlined like any other. The
//! structures are generic over the key's own type, monomorphised; nothing
//! is allocated after `new()`.

use super::fields::{literal, meta_type, meta_variable, read, value_type};
use super::{decision_uncounted, first_counter};
use crate::ir::{Field, Spec, StageKind, Stateful};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// Expired entries reclaimed per table each time the loop sets the time
/// (once per burst): bounded work, and expiry stays exact without it
/// because lookups check deadlines.
const EXPIRY_BUDGET: usize = 64;

/// What a stateful stage adds to the generated type.
pub(super) struct StateCode {
    /// The struct field, its type, and its constructor (`seed` in scope).
    pub field: (Ident, TokenStream, TokenStream),
    /// The stage's per-packet code, the body of its block.
    pub code: TokenStream,
    /// The statement `set_time` runs for it.
    pub expire: TokenStream,
}

/// The code of every stateful stage, by stage index.
pub(super) fn states(spec: &Spec) -> Vec<Option<StateCode>> {
    spec.stages
        .iter()
        .enumerate()
        .map(|(index, stage)| match &stage.kind {
            StageKind::Stateful(state) => Some(state_code(spec, index, state)),
            _ => None,
        })
        .collect()
}

fn timeouts(ns: &[u64; 5]) -> TokenStream {
    let [transitory, established, closing, udp, other] = *ns;
    quote! {
        ::nfc::runtime::state::FlowTimeouts {
            tcp_transitory_ns: #transitory,
            tcp_established_ns: #established,
            tcp_closing_ns: #closing,
            udp_ns: #udp,
            other_ns: #other,
        }
    }
}

fn state_code(spec: &Spec, index: usize, state: &Stateful) -> StateCode {
    let field = format_ident!("state_{}", index);
    let stage = &spec.stages[index];
    let base = first_counter(spec, index);
    let count = |offset: usize| {
        let counter = base + offset;
        quote! { self.counters[#counter].record(arrival_len); }
    };
    let checked = format!("nfc checked the settings of stage `{}`", stage.name);
    let (ty, init, result) = match state {
        Stateful::Learn { learn, lookup, into, capacity, timeout_ns } => {
            let key = value_type(*learn);
            let capacity = *capacity as usize;
            let (learned, moved, full) = (count(3), count(4), count(5));
            let (hit, same_port, miss) = (count(0), count(1), count(2));
            let (learn, lookup) = (read(*learn), read(*lookup));
            let variable = meta_variable(usize::from(into.index));
            let meta = meta_type(u32::from(into.width));
            let result = quote! {
                if let ::core::option::Option::Some(source) = #learn {
                    match self.#field.learn(source, input, self.now) {
                        ::nfc::runtime::state::Learned::New => { #learned }
                        ::nfc::runtime::state::Learned::Moved => { #moved }
                        ::nfc::runtime::state::Learned::Full => { #full }
                        ::nfc::runtime::state::Learned::Refreshed => {}
                    }
                }
                let found = match #lookup {
                    ::core::option::Option::Some(destination) => self.#field.lookup(&destination, self.now),
                    ::core::option::Option::None => ::core::option::Option::None,
                };
                match found {
                    ::core::option::Option::Some(port) => {
                        #variable = port as #meta;
                        if port == input { #same_port 1u8 } else { #hit 0u8 }
                    }
                    ::core::option::Option::None => { #miss u8::MAX }
                }
            };
            (
                quote! { ::nfc::runtime::state::LearningTable<#key, ::nfc::runtime::PortId> },
                quote! { ::nfc::runtime::state::LearningTable::new(#capacity, #timeout_ns, seed).expect(#checked) },
                result,
            )
        }
        Stateful::ConnTrack { inside, capacity, timeouts_ns } => {
            let capacity = *capacity as usize;
            let timeouts = timeouts(timeouts_ns);
            let counts: Vec<TokenStream> = (0..8).map(count).collect();
            let [opened, tracked, closed, related, untracked, unsolicited, full, untrackable] =
                <[TokenStream; 8]>::try_from(counts).expect("eight verdicts");
            let result = quote! {
                let direction = if #inside & (1u32 << input) != 0 {
                    ::nfc::runtime::state::Direction::Outbound
                } else {
                    ::nfc::runtime::state::Direction::Inbound
                };
                match self.#field.track(&headers, frame.data(), direction, self.now) {
                    ::nfc::runtime::state::Verdict::Opened => { #opened 0u8 }
                    ::nfc::runtime::state::Verdict::Tracked => { #tracked 0u8 }
                    ::nfc::runtime::state::Verdict::Closed => { #closed 0u8 }
                    ::nfc::runtime::state::Verdict::Related => { #related 0u8 }
                    ::nfc::runtime::state::Verdict::Untracked => { #untracked 0u8 }
                    ::nfc::runtime::state::Verdict::Unsolicited => { #unsolicited u8::MAX }
                    ::nfc::runtime::state::Verdict::Full => { #full u8::MAX }
                    ::nfc::runtime::state::Verdict::Untrackable => { #untrackable u8::MAX }
                }
            };
            (
                quote! { ::nfc::runtime::state::ConnTracker },
                quote! { ::nfc::runtime::state::ConnTracker::new(#capacity, #timeouts, seed).expect(#checked) },
                result,
            )
        }
        Stateful::Nat { inside, external, timeouts_ns } => {
            let timeouts = timeouts(timeouts_ns);
            let ranges = external.iter().map(|(address, first, last)| {
                quote! {
                    ::nfc::runtime::state::ExternalRange { address: #address, first_port: #first, last_port: #last }
                }
            });
            let counts: Vec<TokenStream> = (0..8).map(count).collect();
            let [new, outbound, inbound, related, no_mapping, full, untranslatable, bad_checksum] =
                <[TokenStream; 8]>::try_from(counts).expect("eight translations");
            let result = quote! {
                let outbound = #inside & (1u32 << input) != 0;
                let translation = if outbound {
                    self.#field.outbound(&headers, frame.data_mut(), self.now)
                } else {
                    self.#field.inbound(&headers, frame.data_mut(), self.now)
                };
                match translation {
                    ::nfc::runtime::state::Translation::Mapped { new: true, .. } if outbound => { #new 0u8 }
                    ::nfc::runtime::state::Translation::Mapped { .. } if outbound => { #outbound 0u8 }
                    ::nfc::runtime::state::Translation::Mapped { .. } => { #inbound 1u8 }
                    ::nfc::runtime::state::Translation::Related { .. } => {
                        #related
                        if outbound { 0u8 } else { 1u8 }
                    }
                    ::nfc::runtime::state::Translation::NoMapping => { #no_mapping u8::MAX }
                    ::nfc::runtime::state::Translation::Full => { #full u8::MAX }
                    ::nfc::runtime::state::Translation::Untranslatable => { #untranslatable u8::MAX }
                    ::nfc::runtime::state::Translation::BadChecksum => { #bad_checksum u8::MAX }
                }
            };
            (
                quote! { ::nfc::runtime::state::Napt },
                quote! {
                    ::nfc::runtime::state::Napt::new(&::nfc::runtime::state::NatConfig {
                        external: ::std::vec![#(#ranges),*],
                        timeouts: #timeouts,
                        seed,
                    })
                    .expect(#checked)
                },
                result,
            )
        }
        Stateful::Police { key, rate_bytes_per_s, burst_bytes, capacity, timeout_ns } => {
            let key_type = value_type(*key);
            let capacity = *capacity as usize;
            let read = read(*key);
            let (conform, new, exceed, full, no_key) = (count(0), count(1), count(2), count(3), count(4));
            let result = quote! {
                match #read {
                    ::core::option::Option::Some(key) => match self.#field.police(key, frame.len(), self.now) {
                        ::nfc::runtime::state::Policed::Conform => { #conform 0u8 }
                        ::nfc::runtime::state::Policed::New => { #new 0u8 }
                        ::nfc::runtime::state::Policed::Exceed => { #exceed u8::MAX }
                        ::nfc::runtime::state::Policed::Full => { #full u8::MAX }
                    },
                    ::core::option::Option::None => { #no_key u8::MAX }
                }
            };
            (
                quote! { ::nfc::runtime::state::Policer<#key_type> },
                quote! {
                    ::nfc::runtime::state::Policer::new(
                        #capacity,
                        ::nfc::runtime::state::BucketLimits::new(#rate_bytes_per_s, #burst_bytes).expect(#checked),
                        #timeout_ns,
                        seed,
                    )
                    .expect(#checked)
                },
                result,
            )
        }
        Stateful::Balance { backends, into, capacity, timeout_ns } => {
            let capacity = *capacity as usize;
            let table_size = nfc_runtime::state::DEFAULT_TABLE_SIZE;
            let variable = meta_variable(usize::from(into.index));
            let values = backends.iter().map(|&b| literal(Field::Meta(*into), u128::from(b)));
            let ids = backends.iter();
            let meta = meta_type(u32::from(into.width));
            let count_backends = backends.len();
            let counts: Vec<TokenStream> = (0..6).map(count).collect();
            let [affinity, new, repicked, no_affinity, no_backend, untrackable] =
                <[TokenStream; 6]>::try_from(counts).expect("six picks");
            let result = quote! {
                const BACKENDS: [#meta; #count_backends] = [#(#values),*];
                match ::nfc::runtime::state::FlowKey::from_headers(&headers, frame.data()) {
                    ::core::option::Option::None => { #untrackable u8::MAX }
                    ::core::option::Option::Some(key) => {
                        let pick = self.#field.pick(key, self.now);
                        if let ::core::option::Option::Some(backend) = pick.backend() {
                            #variable = BACKENDS.get(usize::from(backend)).copied().unwrap_or(0);
                        }
                        match pick {
                            ::nfc::runtime::state::Pick::Affinity(_) => { #affinity 0u8 }
                            ::nfc::runtime::state::Pick::New(_) => { #new 0u8 }
                            ::nfc::runtime::state::Pick::Repicked(_) => { #repicked 0u8 }
                            ::nfc::runtime::state::Pick::NoAffinity(_) => { #no_affinity 0u8 }
                            ::nfc::runtime::state::Pick::NoBackend => { #no_backend u8::MAX }
                        }
                    }
                }
            };
            (
                quote! { ::nfc::runtime::state::Balancer },
                quote! {
                    ::nfc::runtime::state::Balancer::new(&[#(#ids),*], #table_size, #capacity, #timeout_ns, seed)
                        .expect(#checked)
                },
                result,
            )
        }
    };
    // The outcome's decision, or the default's; each written once.
    let arms = stage.entries.iter().enumerate().map(|(outcome, entry)| {
        let outcome = outcome as u8;
        let decide = decision_uncounted(spec, index, &entry.decision);
        quote! { #outcome => { #decide } }
    });
    let default = decision_uncounted(spec, index, &stage.default);
    let code = quote! {
        let outcome: u8 = { #result };
        match outcome {
            #(#arms)*
            _ => { #default }
        }
    };
    let expire = quote! { self.#field.expire(now_ns, #EXPIRY_BUDGET); };
    StateCode { field: (field, ty, init), code, expire }
}
