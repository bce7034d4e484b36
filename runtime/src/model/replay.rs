//! Captures replayed on the model's ports (`--model-traffic [PORT=]FILE`):
//! a file's frames, read whole at start, arrive on a port in the file's
//! order, cycled until the port has had its `--packets`, as fast as the
//! driver takes them (timestamps are not followed).
//!
//! `FILE` alone is every port's input; `PORT=FILE` (a port by name or
//! number, as `--pcap-in` takes it) one port's, and wins over `FILE` alone.
//! A port with no file receives nothing. A frame shorter than 60 bytes is
//! padded with zeros to 60, as the sending NIC pads it on the wire (IEEE
//! 802.3 minimum frame, CRC excluded); one longer than a receive buffer
//! (the driver does not chain buffers) is refused, as is an empty capture.

use crate::capture::CaptureReader;
use crate::driver::BUFFER_SIZE;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The shortest frame on an Ethernet wire, CRC excluded.
pub const MIN_FRAME: usize = 60;
/// The most frame bytes one capture may hold: the model keeps them all in
/// memory for the whole run.
pub const MAX_CAPTURE_BYTES: usize = 64 << 20;

/// Each port's frames, in port order (empty: the port receives nothing),
/// from the `--model-traffic` arguments.
pub fn load_replay(arguments: &[String], ports: &[&str]) -> Result<Vec<Vec<Arc<[u8]>>>, String> {
    let mut every_port: Option<&str> = None;
    let mut per_port: Vec<Option<&str>> = vec![None; ports.len()];
    for argument in arguments {
        match port_of(argument, ports) {
            Some((port, file)) => {
                if file.is_empty() {
                    return Err(format!("found `{argument}` with no file name, expected [PORT=]FILE"));
                }
                if per_port[port].replace(file).is_some() {
                    return Err(format!("port {} is given twice in --model-traffic", ports[port]));
                }
            }
            None if every_port.is_some() => {
                return Err(format!(
                    "found two files for every port in --model-traffic (`{}` and `{argument}`), expected one, or PORT=FILE (ports: {})",
                    every_port.unwrap_or_default(),
                    ports.join(", ")
                ))
            }
            None => every_port = Some(argument),
        }
    }
    let mut loaded: HashMap<&str, Vec<Arc<[u8]>>> = HashMap::new();
    let mut frames = Vec::with_capacity(ports.len());
    for file in per_port.iter().map(|file| file.or(every_port)) {
        let Some(file) = file else {
            frames.push(Vec::new());
            continue;
        };
        if !loaded.contains_key(file) {
            let capture = load_capture(Path::new(file)).map_err(|error| with_port_hint(error, file, ports))?;
            loaded.insert(file, capture);
        }
        frames.push(loaded[file].clone());
    }
    Ok(frames)
}

/// `PORT=FILE` with PORT one of `ports` (or its number): the port's index
/// and the file; anything else is a file name.
fn port_of<'a>(argument: &'a str, ports: &[&str]) -> Option<(usize, &'a str)> {
    let (port, file) = argument.split_once('=')?;
    let index = ports.iter().position(|&name| name == port).or_else(|| port.parse().ok().filter(|&i| i < ports.len()));
    index.map(|index| (index, file))
}

/// A file named `x=y` that cannot be opened may have been meant as PORT=FILE.
fn with_port_hint(error: String, file: &str, ports: &[&str]) -> String {
    match file.split_once('=') {
        Some((port, _)) if !port.contains('/') && !Path::new(file).exists() => {
            format!("{error} (nor is `{port}` a port: expected one of {} or a number)", ports.join(", "))
        }
        _ => error,
    }
}

/// Every frame of a pcap or pcapng file, padded to 60 bytes.
pub fn load_capture(path: &Path) -> Result<Vec<Arc<[u8]>>, String> {
    let name = path.display();
    let mut reader = CaptureReader::open(path).map_err(|e| e.to_string())?;
    let (mut frames, mut bytes) = (Vec::new(), 0usize);
    let mut data = Vec::new();
    while reader.next_into(&mut data).map_err(|e| e.to_string())?.is_some() {
        let number = frames.len() + 1;
        if data.len() > BUFFER_SIZE {
            return Err(format!(
                "{name}: frame {number} is {} bytes, more than the model's ports receive (a {BUFFER_SIZE}-byte buffer; capture with segmentation offloads off: ethtool -K IFACE gro off)",
                data.len()
            ));
        }
        if data.len() < MIN_FRAME {
            data.resize(MIN_FRAME, 0);
        }
        bytes += data.len();
        if bytes > MAX_CAPTURE_BYTES {
            return Err(format!(
                "{name}: more than {} MiB of frames by frame {number}, the most the model holds in memory to replay (cut it with editcap -c)",
                MAX_CAPTURE_BYTES >> 20
            ));
        }
        frames.push(Arc::from(data.as_slice()));
    }
    if frames.is_empty() {
        return Err(format!("{name}: the capture holds no frames; the model needs at least one to replay"));
    }
    Ok(frames)
}

/// The files given per port, for messages: `lan: a.pcap, wan: (none)`.
pub fn describe(arguments: &[String], ports: &[&str]) -> String {
    let every = arguments.iter().find(|a| port_of(a, ports).is_none());
    let files: Vec<String> = (0..ports.len())
        .map(|port| {
            let own = arguments.iter().find_map(|a| port_of(a, ports).filter(|(p, _)| *p == port).map(|(_, f)| f));
            format!("{}: {}", ports[port], own.or(every.map(String::as_str)).unwrap_or("nothing"))
        })
        .collect();
    files.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::PcapWriter;
    use std::path::PathBuf;

    fn capture(dir: &Path, name: &str, frames: &[&[u8]]) -> String {
        let path = dir.join(name);
        let mut writer = PcapWriter::create(&path).unwrap();
        for (i, frame) in frames.iter().enumerate() {
            writer.write(i as u64 * 1000, frame).unwrap();
        }
        writer.flush().unwrap();
        path.display().to_string()
    }

    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nfc-replay-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn files_go_to_their_ports_and_a_bare_file_to_the_rest() {
        let dir = scratch("ports");
        let a = capture(&dir, "a.pcap", &[&[1; 60], &[2; 70]]);
        let b = capture(&dir, "b.pcap", &[&[3; 42]]);
        let ports = ["lan", "wan", "dmz"];
        let frames = load_replay(&[a.clone(), format!("wan={b}")], &ports).unwrap();
        let lens: Vec<Vec<(u8, usize)>> =
            frames.iter().map(|port| port.iter().map(|f| (f[0], f.len())).collect()).collect();
        // The 42-byte frame is padded to 60 with zeros.
        assert_eq!(lens, [vec![(1, 60), (2, 70)], vec![(3, 60)], vec![(1, 60), (2, 70)]]);
        assert_eq!(&frames[1][0][40..], &[3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        // By number; the other ports receive nothing.
        let frames = load_replay(&[format!("2={b}")], &ports).unwrap();
        assert_eq!(frames.iter().map(Vec::len).collect::<Vec<_>>(), [0, 0, 1]);
        assert_eq!(describe(&[a.clone(), format!("wan={b}")], &ports), format!("lan: {a}, wan: {b}, dmz: {a}"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bad_arguments_and_files_are_one_sentence() {
        let dir = scratch("errors");
        let a = capture(&dir, "a.pcap", &[&[1; 60]]);
        let empty = capture(&dir, "empty.pcap", &[]);
        let big = capture(&dir, "big.pcap", &[&[1; 60], &[0; 3000]]);
        let ports = ["lan", "wan"];
        let error = |args: &[String]| load_replay(args, &ports).unwrap_err();
        assert_eq!(error(&[format!("lan={a}"), format!("0={a}")]), "port lan is given twice in --model-traffic");
        assert_eq!(
            error(&[a.clone(), a.clone()]),
            format!("found two files for every port in --model-traffic (`{a}` and `{a}`), expected one, or PORT=FILE (ports: lan, wan)")
        );
        assert_eq!(error(&["wan=".into()]), "found `wan=` with no file name, expected [PORT=]FILE");
        assert_eq!(
            error(std::slice::from_ref(&empty)),
            format!("{empty}: the capture holds no frames; the model needs at least one to replay")
        );
        assert!(error(std::slice::from_ref(&big)).starts_with(&format!("{big}: frame 2 is 3000 bytes, more than")));
        let message = error(&["wam=x.pcap".into()]);
        assert!(message.starts_with("wam=x.pcap: cannot open:"), "{message}");
        assert!(message.ends_with("(nor is `wam` a port: expected one of lan, wan or a number)"), "{message}");
        let garbage = dir.join("garbage.pcap");
        std::fs::write(&garbage, b"hello, not a capture").unwrap();
        assert!(error(&[garbage.display().to_string()]).contains("neither pcap"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
