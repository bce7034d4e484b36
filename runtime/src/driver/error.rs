use std::fmt;

/// Why the driver could not bring a device up or keep it running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DriverError {
    /// A bounded wait ran out; names the step and the datasheet section.
    Timeout { step: &'static str, section: &'static str, waited_ms: u64 },
    /// Every register reads as all ones: the device left the bus.
    Vanished { step: &'static str },
    /// The configuration cannot work (too many ports, too little DMA memory).
    Config(String),
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriverError::Timeout { step, section, waited_ms } => {
                write!(f, "82599 did not {step} within {waited_ms} ms (datasheet {section})")
            }
            DriverError::Vanished { step } => {
                write!(f, "82599 vanished (registers read all ones) while trying to {step}")
            }
            DriverError::Config(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for DriverError {}
