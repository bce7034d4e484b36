//! Field values as users write them, read by the runtime's own parser
//! (`runtime::tables::text`), which deployment binaries use for entries
//! files too: a value means the same in a spec and in a file.

use crate::ir::{Field, Test};
use nfc_runtime::tables::text::{self, Context, Match, ValueKind};

/// How values of `field` are written.
pub fn kind(field: Field) -> ValueKind {
    match field {
        Field::EthDst | Field::EthSrc => ValueKind::Mac,
        Field::Ipv4Src | Field::Ipv4Dst => ValueKind::Ipv4,
        Field::Ipv6Src | Field::Ipv6Dst => ValueKind::Ipv6,
        Field::EthType => ValueKind::EtherType,
        Field::IpProto => ValueKind::IpProto,
        Field::TcpFlags => ValueKind::TcpFlags,
        Field::IpFrag => ValueKind::FragState,
        Field::Ipv6Ext => ValueKind::Ipv6Ext,
        Field::InPort | Field::Meta(_) => ValueKind::PortOrNumber { bits: field.width() as u8 },
        _ => ValueKind::Unsigned { bits: field.width() as u8 },
    }
}

/// What a value of `field` looks like, for "expected ..." messages.
pub fn expected(field: Field) -> &'static str {
    match field {
        Field::InPort => "a port name",
        field => kind(field).expected(),
    }
}

/// One value of a field (no ranges or masks): for actions, exact keys and
/// test packets. `name` is the field as the spec calls it; metadata fields
/// also take port names.
pub fn scalar(field: Field, name: &str, ports: &[&str], text: &str) -> Result<u128, String> {
    text::scalar(kind(field), Context { field: name, ports }, text)
}

/// A prefix `address/length` as (key, prefix length), host bits zero.
pub fn prefix(field: Field, name: &str, text: &str) -> Result<(u128, u8), String> {
    text::prefix(kind(field), Context { field: name, ports: &[] }, text)
}

/// A match on a field: exact value, prefix, range `low-high` or `value/mask`.
pub fn test(field: Field, name: &str, ports: &[&str], text: &str) -> Result<Test, String> {
    Ok(match text::test(kind(field), Context { field: name, ports }, text)? {
        Match::Masked { value, mask } => Test::Masked { value, mask },
        Match::Range { low, high } => Test::Range { low, high },
    })
}
