#[nfc::network_function(ports = [a, b])]
fn one_argument(frame: &mut nfc::runtime::Frame<'_>) -> nfc::runtime::Outputs {
    let _ = frame;
    nfc::runtime::Outputs::DROP
}

#[nfc::network_function(ports = [a, b])]
fn no_return(input: nfc::runtime::PortId, frame: &mut nfc::runtime::Frame<'_>) {
    let _ = (input, frame);
}

#[nfc::network_function]
fn no_ports(input: nfc::runtime::PortId, _frame: &mut nfc::runtime::Frame<'_>) -> nfc::runtime::Outputs {
    nfc::runtime::Outputs::port(input)
}

#[nfc::network_function(ports = [a, b], counters = [seen])]
fn counters_missing(input: nfc::runtime::PortId, _frame: &mut nfc::runtime::Frame<'_>) -> nfc::runtime::Outputs {
    nfc::runtime::Outputs::port(input)
}

#[nfc::network_function(ports = [a, b])]
fn state_by_value(
    state: u64,
    input: nfc::runtime::PortId,
    _frame: &mut nfc::runtime::Frame<'_>,
) -> nfc::runtime::Outputs {
    let _ = state;
    nfc::runtime::Outputs::port(input)
}

#[nfc::network_function(ports = [a, b, a], counters = [seen])]
fn twice(input: nfc::runtime::PortId, _frame: &mut nfc::runtime::Frame<'_>) -> nfc::runtime::Outputs {
    nfc::runtime::Outputs::port(input)
}

#[nfc::network_function(ports = [a, b], count = [seen])]
fn unknown_argument(input: nfc::runtime::PortId, _frame: &mut nfc::runtime::Frame<'_>) -> nfc::runtime::Outputs {
    nfc::runtime::Outputs::port(input)
}

fn main() {}
