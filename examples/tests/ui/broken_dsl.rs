nfc::nf! {
    name: broken;
    ports: [a, b];
    rule r1 { ipv4.dts == "10.0.0.0/8" } => b;
    rule r2 { ipv4.dst == "02:00:00:00:00:01" } => c;
}

fn main() {}
