//! State for stateful network functions: fixed capacity, allocated at
//! construction, nothing allocated per packet, no `unsafe`, time passed in
//! explicitly (`now_ns`, from [`NetworkFunction::set_time`](crate::NetworkFunction::set_time)).
//!
//! The primitives, each generic and monomorphised (no trait objects):
//! - [`IndexAllocator`]: slots in use, in least-recently-used chains per
//!   timeout class, so expiry is O(expired) (Vigor's double chain).
//! - [`HashIndex`]: key hash -> slot index, open addressing.
//! - [`FlowTable`]: a map with idle expiry built from the two, and
//!   [`LearningTable`], its learn/lookup form (a bridge's MAC table).
//! - [`FlowKey`]: the 5-tuple, with a symmetric form.
//! - [`TcpState`] and [`FlowTimeouts`]: TCP phases and per-kind idle timeouts.
//! - [`ConnTracker`]: connection tracking for a stateful firewall, with
//!   ICMP errors about tracked flows ([`quoted_flow`]) let in.
//! - [`Napt`]: source NAPT (RFC 3022) with port ranges, ICMP error
//!   translation, RFC 4787/5382/5508 behaviour.
//! - [`Policer`]: a token bucket per key, integer arithmetic.
//! - [`Maglev`]: consistent hashing onto backends (the Maglev paper's table).
//!
//! Every table has an explicit, counted behaviour when full (refuse or
//! evict, chosen per use and documented there), never a panic and never an
//! allocation. The per-packet calls take `now: u64` in nanoseconds; time
//! that goes backwards is taken as the latest time seen.

mod allocator;
mod balancer;
mod conntrack;
mod error;
mod flow_key;
mod flow_table;
mod hash_index;
mod key;
mod learning;
mod maglev;
mod nat;
mod policer;
mod related;
mod tcp_state;
mod timeouts;

pub use allocator::{IndexAllocator, MAX_CAPACITY, MAX_CLASSES};
pub use balancer::{Balancer, Pick};
pub use conntrack::{is_neighbor_discovery, ConnTracker, Direction, Verdict};
pub use error::StateError;
pub use flow_key::{echo_ports, icmp_echo_id, ipv4_mapped, ipv4_of, is_icmp_echo, FlowKey};
pub use flow_table::{Entry, EntryId, FlowTable, Full, Inserted, TableStats};
pub use hash_index::HashIndex;
pub use key::{random_seed, KeyHasher, TableKey};
pub use learning::{Learned, LearningTable};
pub use maglev::{Maglev, DEFAULT_TABLE_SIZE};
pub use nat::{Endpoint, ExternalRange, Napt, NatConfig, NatStats, Translation};
pub use policer::{BucketLimits, Policed, Policer, TokenBucket};
pub use related::{is_icmp_error, outer_ip_end, quoted_flow, QuotedFlow, QUOTE_OFFSET};
pub use tcp_state::{is_opening_syn, is_reset, TcpPhase, TcpState};
pub use timeouts::{class, FlowTimeouts};
