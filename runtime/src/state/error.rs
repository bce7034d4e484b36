//! Why a piece of state could not be built: every check happens at
//! construction, so nothing on the per-packet path can fail this way.

/// A configuration the state primitives refuse, with what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateError {
    /// A table needs room for at least one entry.
    ZeroCapacity,
    /// More entries than the 32-bit indices and the index's slots allow.
    CapacityTooLarge { requested: usize, max: usize },
    /// A table needs at least one timeout class, and at most 254.
    TimeoutClasses { found: usize },
    /// A timeout of zero would expire an entry the moment it is made.
    ZeroTimeout { class: usize },
    /// Anything else, said in one sentence (found ..., expected ...).
    Invalid(String),
}

impl core::fmt::Display for StateError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StateError::ZeroCapacity => f.write_str("found a capacity of 0 entries, expected at least 1"),
            StateError::CapacityTooLarge { requested, max } => {
                write!(f, "found a capacity of {requested} entries, expected at most {max}")
            }
            StateError::TimeoutClasses { found } => {
                write!(f, "found {found} timeout classes, expected between 1 and 254")
            }
            StateError::ZeroTimeout { class } => {
                write!(f, "found a timeout of 0 ns for class {class}, expected a positive timeout")
            }
            StateError::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for StateError {}
