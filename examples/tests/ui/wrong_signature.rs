#[nfc::network_function]
fn one_argument(frame: &mut nfc::runtime::Frame<'_>) -> nfc::runtime::Outputs {
    let _ = frame;
    nfc::runtime::Outputs::DROP
}

#[nfc::network_function]
fn no_return(input: nfc::runtime::PortId, frame: &mut nfc::runtime::Frame<'_>) {
    let _ = (input, frame);
}

fn main() {}
