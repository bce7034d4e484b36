//! eBPF through the bpf(2) system call alone: maps, a few hand-assembled XDP
//! programs, attaching them to interfaces, and XDP test runs that transmit
//! (a traffic generator). No C, no eBPF toolchain, no libbpf.
//!
//! The encodings follow the kernel's documentation of the eBPF instruction
//! set (Documentation/bpf/standardization/instruction-set.rst) and the
//! `union bpf_attr` layouts of include/uapi/linux/bpf.h; every program here
//! is a handful of instructions the verifier checks at load.
//!
//! An attached program is held by a BPF link: closing its descriptor
//! detaches it, and the kernel closes it when the process ends however it
//! ends (return, error, signal, crash), so no exit path leaves a program on
//! an interface.

use super::EnvError;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

// bpf(2) commands (enum bpf_cmd).
const BPF_MAP_CREATE: libc::c_long = 0;
const BPF_MAP_LOOKUP_ELEM: libc::c_long = 1;
const BPF_MAP_UPDATE_ELEM: libc::c_long = 2;
const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_TEST_RUN: libc::c_long = 10;
const BPF_LINK_CREATE: libc::c_long = 28;

// enum bpf_map_type, enum bpf_prog_type, enum bpf_attach_type.
const BPF_MAP_TYPE_ARRAY: u32 = 2;
const BPF_MAP_TYPE_XSKMAP: u32 = 17;
const BPF_PROG_TYPE_XDP: u32 = 6;
const BPF_XDP: u32 = 37;

// include/uapi/linux/if_link.h: XDP attach modes.
const XDP_FLAGS_SKB_MODE: u32 = 1 << 1;
const XDP_FLAGS_DRV_MODE: u32 = 1 << 2;
/// include/uapi/linux/bpf.h: test runs whose frames really leave (XDP_TX, XDP_REDIRECT).
const BPF_F_TEST_XDP_LIVE_FRAMES: u32 = 1 << 1;

/// XDP verdicts (enum xdp_action).
pub const XDP_DROP: i32 = 1;
pub const XDP_PASS: i32 = 2;
pub const XDP_TX: i32 = 3;

// Helper function numbers (enum bpf_func_id).
const HELPER_MAP_LOOKUP_ELEM: i32 = 1;
const HELPER_REDIRECT: i32 = 23;
const HELPER_REDIRECT_MAP: i32 = 51;

/// `struct xdp_md`: offsets of `data`, `data_end` and `rx_queue_index`.
const XDP_MD_DATA: i16 = 0;
const XDP_MD_DATA_END: i16 = 4;
const XDP_MD_RX_QUEUE_INDEX: i16 = 16;

/// One eBPF instruction (`struct bpf_insn`): opcode, destination register in
/// the low nibble and source register in the high one, offset, immediate.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    code: u8,
    registers: u8,
    offset: i16,
    imm: i32,
}

/// The few instructions our programs use, named as the kernel documents them.
mod asm {
    use super::Insn;

    // Instruction classes, sources, sizes, modes and operations (instruction-set.rst).
    const LD: u8 = 0x00;
    const LDX: u8 = 0x01;
    const ST: u8 = 0x02;
    const STX: u8 = 0x03;
    const JMP: u8 = 0x05;
    const ALU64: u8 = 0x07;
    const K: u8 = 0x00;
    const X: u8 = 0x08;
    const W: u8 = 0x00;
    const B: u8 = 0x10;
    const DW: u8 = 0x18;
    const IMM: u8 = 0x00;
    const MEM: u8 = 0x60;
    const ATOMIC: u8 = 0xc0;
    const ADD: u8 = 0x00;
    const MOV: u8 = 0xb0;
    const JEQ: u8 = 0x10;
    const JGT: u8 = 0x20;
    const CALL: u8 = 0x80;
    const EXIT: u8 = 0x90;
    /// `src` of a 64-bit immediate load that names a map by descriptor.
    const PSEUDO_MAP_FD: u8 = 1;

    pub const R0: u8 = 0;
    pub const R1: u8 = 1;
    pub const R2: u8 = 2;
    pub const R3: u8 = 3;
    pub const R4: u8 = 4;
    pub const R10: u8 = 10;

    const fn insn(code: u8, dst: u8, src: u8, offset: i16, imm: i32) -> Insn {
        Insn { code, registers: dst | src << 4, offset, imm }
    }

    /// `dst = imm`
    pub const fn mov_imm(dst: u8, imm: i32) -> Insn {
        insn(ALU64 | MOV | K, dst, 0, 0, imm)
    }

    /// `dst += imm`
    pub const fn add_imm(dst: u8, imm: i32) -> Insn {
        insn(ALU64 | ADD | K, dst, 0, 0, imm)
    }

    /// `dst = src` (64 bits)
    pub const fn mov_reg(dst: u8, src: u8) -> Insn {
        insn(ALU64 | MOV | X, dst, src, 0, 0)
    }

    /// `dst = *(u32 *)(src + offset)`
    pub const fn load_u32(dst: u8, src: u8, offset: i16) -> Insn {
        insn(LDX | MEM | W, dst, src, offset, 0)
    }

    /// `*(u32 *)(dst + offset) = imm`
    pub const fn store_u32_imm(dst: u8, offset: i16, imm: i32) -> Insn {
        insn(ST | MEM | W, dst, 0, offset, imm)
    }

    /// `*(u8 *)(dst + offset) = imm`
    pub const fn store_u8_imm(dst: u8, offset: i16, imm: i32) -> Insn {
        insn(ST | MEM | B, dst, 0, offset, imm)
    }

    /// `if dst > src goto +offset` (unsigned)
    pub const fn jump_if_greater(dst: u8, src: u8, offset: i16) -> Insn {
        insn(JMP | JGT | X, dst, src, offset, 0)
    }

    /// `lock *(u64 *)(dst + offset) += src`
    pub const fn atomic_add_u64(dst: u8, src: u8, offset: i16) -> Insn {
        insn(STX | ATOMIC | DW, dst, src, offset, ADD as i32)
    }

    /// `dst = the map whose descriptor is fd` (two instruction slots).
    pub const fn load_map(dst: u8, fd: i32) -> [Insn; 2] {
        [insn(LD | IMM | DW, dst, PSEUDO_MAP_FD, 0, fd), insn(0, 0, 0, 0, 0)]
    }

    /// `if dst == imm goto +offset`
    pub const fn jump_if_equal(dst: u8, imm: i32, offset: i16) -> Insn {
        insn(JMP | JEQ | K, dst, 0, offset, imm)
    }

    pub const fn call(helper: i32) -> Insn {
        insn(JMP | CALL, 0, 0, 0, helper)
    }

    pub const fn exit() -> Insn {
        insn(JMP | EXIT, 0, 0, 0, 0)
    }
}

use asm::*;

/// Calls bpf(2) with `attr` (a `union bpf_attr` member laid out as the kernel's).
fn bpf<T>(command: libc::c_long, attr: &mut T) -> std::io::Result<libc::c_long> {
    // SAFETY: `attr` is a live, writable value of the size passed; the kernel
    // reads (and for some commands writes) at most that many bytes.
    let result =
        unsafe { libc::syscall(libc::SYS_bpf, command, attr as *mut T, core::mem::size_of::<T>() as libc::c_uint) };
    if result < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

/// A file descriptor bpf(2) returned.
fn bpf_fd<T>(command: libc::c_long, attr: &mut T) -> std::io::Result<OwnedFd> {
    let fd = bpf(command, attr)?;
    // SAFETY: on success these commands return a new descriptor that nothing
    // else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) })
}

/// The sentence for a bpf(2) failure whose cause is usually the caller's rights.
fn bpf_error(what: &str, error: std::io::Error) -> EnvError {
    match error.raw_os_error() {
        Some(libc::EPERM) | Some(libc::EACCES) => {
            EnvError(format!("{what} needs root (CAP_BPF and CAP_NET_ADMIN): {error}"))
        }
        Some(libc::ENOSYS) => EnvError(format!("{what}: this kernel has no bpf(2) (CONFIG_BPF_SYSCALL)")),
        _ => EnvError(format!("{what}: {error}")),
    }
}

#[repr(C)]
#[derive(Default)]
struct MapCreateAttr {
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    map_flags: u32,
    inner_map_fd: u32,
    numa_node: u32,
    map_name: [u8; 16],
}

#[repr(C)]
#[derive(Default)]
struct MapElemAttr {
    map_fd: u32,
    _pad: u32,
    key: u64,
    value: u64,
    flags: u64,
}

/// A BPF map with u32 keys.
pub struct Map {
    fd: OwnedFd,
}

impl Map {
    fn create(map_type: u32, value_size: u32, entries: u32, name: &[u8]) -> Result<Map, EnvError> {
        let mut attr = MapCreateAttr { map_type, key_size: 4, value_size, max_entries: entries, ..Default::default() };
        attr.map_name[..name.len()].copy_from_slice(name);
        let fd = bpf_fd(BPF_MAP_CREATE, &mut attr).map_err(|e| bpf_error("creating a BPF map", e))?;
        Ok(Map { fd })
    }

    /// An array of `entries` u64 counters.
    pub fn counters(entries: u32) -> Result<Map, EnvError> {
        Map::create(BPF_MAP_TYPE_ARRAY, 8, entries, b"nfc_counters")
    }

    /// An XSKMAP: AF_XDP sockets by receive queue index.
    pub fn sockets(queues: u32) -> Result<Map, EnvError> {
        Map::create(BPF_MAP_TYPE_XSKMAP, 4, queues, b"nfc_xsks")
    }

    /// Puts `socket` (an AF_XDP socket) at `queue` of an XSKMAP.
    pub fn set_socket(&self, queue: u32, socket: BorrowedFd<'_>) -> Result<(), EnvError> {
        let value = socket.as_raw_fd() as u32;
        let mut attr = MapElemAttr {
            map_fd: self.fd.as_raw_fd() as u32,
            key: &queue as *const u32 as u64,
            value: &value as *const u32 as u64,
            ..Default::default()
        };
        bpf(BPF_MAP_UPDATE_ELEM, &mut attr).map_err(|e| bpf_error("adding an AF_XDP socket to its XSKMAP", e))?;
        Ok(())
    }

    /// Counter `index` of a counters map.
    pub fn counter(&self, index: u32) -> Result<u64, EnvError> {
        let mut value = 0u64;
        let mut attr = MapElemAttr {
            map_fd: self.fd.as_raw_fd() as u32,
            key: &index as *const u32 as u64,
            value: &mut value as *mut u64 as u64,
            ..Default::default()
        };
        bpf(BPF_MAP_LOOKUP_ELEM, &mut attr).map_err(|e| bpf_error("reading a BPF counter", e))?;
        Ok(value)
    }
}

#[repr(C)]
#[derive(Default)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    prog_ifindex: u32,
    expected_attach_type: u32,
}

#[repr(C)]
#[derive(Default)]
struct LinkCreateAttr {
    prog_fd: u32,
    target_ifindex: u32,
    attach_type: u32,
    flags: u32,
    _target_specific: [u64; 4],
}

#[repr(C)]
#[derive(Default)]
struct TestRunAttr {
    prog_fd: u32,
    retval: u32,
    data_size_in: u32,
    data_size_out: u32,
    data_in: u64,
    data_out: u64,
    repeat: u32,
    duration: u32,
    ctx_size_in: u32,
    ctx_size_out: u32,
    ctx_in: u64,
    ctx_out: u64,
    flags: u32,
    cpu: u32,
    batch_size: u32,
    _pad: u32,
}

/// `struct xdp_md` as a test run's context.
#[repr(C)]
#[derive(Default)]
struct XdpMd {
    data: u32,
    data_end: u32,
    data_meta: u32,
    ingress_ifindex: u32,
    rx_queue_index: u32,
    egress_ifindex: u32,
}

/// A loaded XDP program.
pub struct XdpProgram {
    fd: OwnedFd,
}

/// How an XDP program runs on an interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XdpMode {
    /// In the driver, before any socket buffer exists.
    Native,
    /// After the kernel built a socket buffer, on any interface.
    Generic,
}

impl XdpMode {
    pub fn describe(self) -> &'static str {
        match self {
            XdpMode::Native => "native XDP",
            XdpMode::Generic => "generic XDP",
        }
    }
}

/// An XDP program attached to an interface; dropping it detaches it.
pub struct XdpLink {
    _fd: OwnedFd,
    mode: XdpMode,
}

impl XdpLink {
    pub fn mode(&self) -> XdpMode {
        self.mode
    }
}

impl XdpProgram {
    fn load(name: &[u8], insns: &[Insn]) -> Result<XdpProgram, EnvError> {
        let license = c"Dual MIT/GPL";
        let mut attr = ProgLoadAttr {
            prog_type: BPF_PROG_TYPE_XDP,
            insn_cnt: insns.len() as u32,
            insns: insns.as_ptr() as u64,
            license: license.as_ptr() as u64,
            expected_attach_type: BPF_XDP,
            ..Default::default()
        };
        attr.prog_name[..name.len()].copy_from_slice(name);
        match bpf_fd(BPF_PROG_LOAD, &mut attr) {
            Ok(fd) => Ok(XdpProgram { fd }),
            Err(error) if error.raw_os_error() == Some(libc::EINVAL) || error.raw_os_error() == Some(libc::EACCES) => {
                // Load again with the verifier's log, which says why.
                let mut log = vec![0u8; 16 * 1024];
                attr.log_level = 1;
                attr.log_size = log.len() as u32;
                attr.log_buf = log.as_mut_ptr() as u64;
                let _ = bpf_fd(BPF_PROG_LOAD, &mut attr);
                let log = String::from_utf8_lossy(&log);
                let log = log.trim_end_matches('\0').trim();
                if log.is_empty() {
                    Err(bpf_error("loading an XDP program", error))
                } else {
                    Err(EnvError(format!("the kernel refused an XDP program ({error}); verifier: {log}")))
                }
            }
            Err(error) => Err(bpf_error("loading an XDP program", error)),
        }
    }

    /// Sends every frame of receive queue `q` to the AF_XDP socket at `q` of
    /// `sockets`; frames of queues without a socket go to the kernel as usual.
    pub fn redirect_to_sockets(sockets: &Map) -> Result<XdpProgram, EnvError> {
        let map = load_map(R1, sockets.fd.as_raw_fd());
        XdpProgram::load(
            b"nfc_xsk",
            &[
                load_u32(R2, R1, XDP_MD_RX_QUEUE_INDEX),
                map[0],
                map[1],
                // The lower bits of the flags are the verdict when the map has no socket there.
                mov_imm(R3, XDP_PASS),
                call(HELPER_REDIRECT_MAP),
                exit(),
            ],
        )
    }

    /// Counts every frame in counter 0 of `counters`, then drops it.
    pub fn count_and_drop(counters: &Map) -> Result<XdpProgram, EnvError> {
        let map = load_map(R1, counters.fd.as_raw_fd());
        XdpProgram::load(
            b"nfc_count",
            &[
                store_u32_imm(R10, -4, 0),
                mov_reg(R2, R10),
                add_imm(R2, -4),
                map[0],
                map[1],
                call(HELPER_MAP_LOOKUP_ELEM),
                jump_if_equal(R0, 0, 2),
                mov_imm(R1, 1),
                atomic_add_u64(R0, R1, 0),
                mov_imm(R0, XDP_DROP),
                exit(),
            ],
        )
    }

    /// Writes `frame` over the start of every frame and sends it back out of
    /// the interface it came in on; frames shorter than `frame` are dropped.
    ///
    /// A traffic generator's program: test runs with live frames recycle
    /// their pages without restoring the data, so whatever the receivers
    /// changed in place (the kernel's forwarding rewrites MAC addresses and
    /// TTL) would otherwise go out again.
    pub fn transmit_frame(frame: &[u8]) -> Result<XdpProgram, EnvError> {
        if frame.len() > 256 {
            return Err(EnvError(format!("a frame of {} bytes is too long to write from a program", frame.len())));
        }
        let mut stores: Vec<Insn> = frame
            .chunks_exact(4)
            .enumerate()
            .map(|(i, word)| store_u32_imm(R2, 4 * i as i16, i32::from_ne_bytes(word.try_into().unwrap())))
            .collect();
        let tail = frame.len() / 4 * 4;
        stores.extend((tail..frame.len()).map(|i| store_u8_imm(R2, i as i16, i32::from(frame[i]))));
        let mut insns = vec![
            load_u32(R2, R1, XDP_MD_DATA),
            load_u32(R3, R1, XDP_MD_DATA_END),
            mov_reg(R4, R2),
            add_imm(R4, frame.len() as i32),
            jump_if_greater(R4, R3, stores.len() as i16 + 2),
        ];
        insns.extend(stores);
        insns.extend([mov_imm(R0, XDP_TX), exit(), mov_imm(R0, XDP_DROP), exit()]);
        XdpProgram::load(b"nfc_tx", &insns)
    }

    /// Sends every frame out of interface `ifindex`, unchanged.
    pub fn redirect_to_interface(ifindex: u32) -> Result<XdpProgram, EnvError> {
        XdpProgram::load(b"nfc_redirect", &[mov_imm(R1, ifindex as i32), mov_imm(R2, 0), call(HELPER_REDIRECT), exit()])
    }

    /// Attaches the program to interface `ifindex` (`name` for messages):
    /// natively when the driver supports it, else generically, or exactly
    /// in `mode` when given. Detached when the link is dropped.
    pub fn attach(&self, ifindex: u32, name: &str, mode: Option<XdpMode>) -> Result<XdpLink, EnvError> {
        let attempt = |mode: XdpMode| {
            let flags = match mode {
                XdpMode::Native => XDP_FLAGS_DRV_MODE,
                XdpMode::Generic => XDP_FLAGS_SKB_MODE,
            };
            let mut attr = LinkCreateAttr {
                prog_fd: self.fd.as_raw_fd() as u32,
                target_ifindex: ifindex,
                attach_type: BPF_XDP,
                flags,
                ..Default::default()
            };
            bpf_fd(BPF_LINK_CREATE, &mut attr).map(|fd| XdpLink { _fd: fd, mode })
        };
        let result = match mode {
            Some(mode) => attempt(mode),
            None => attempt(XdpMode::Native).or_else(|native| match native.raw_os_error() {
                Some(libc::EOPNOTSUPP) | Some(libc::EINVAL) => attempt(XdpMode::Generic),
                _ => Err(native),
            }),
        };
        result.map_err(|error| match error.raw_os_error() {
            Some(libc::EOPNOTSUPP) if mode == Some(XdpMode::Native) => EnvError(format!(
                "interface {name}: its driver has no native XDP support (generic XDP works on any interface)"
            )),
            Some(libc::EBUSY) | Some(libc::EEXIST) => EnvError(format!(
                "interface {name} already has an XDP program (see `ip link show {name}`; remove it with `ip link set {name} xdp off`)"
            )),
            Some(libc::EINVAL) if mode.is_none() => {
                EnvError(format!("cannot attach an XDP program to interface {name} (Linux 5.9 or later needed): {error}"))
            }
            _ => bpf_error(&format!("attaching an XDP program to interface {name}"), error),
        })
    }

    /// Runs the program `repeat` times on `frame` as if it had arrived on
    /// queue 0 of the loopback interface, without sending anything; returns
    /// the verdict.
    pub fn run_dry(&self, frame: &[u8], repeat: u32) -> Result<u32, EnvError> {
        let mut output = vec![0u8; frame.len() + 256];
        let mut attr = TestRunAttr {
            prog_fd: self.fd.as_raw_fd() as u32,
            data_size_in: frame.len() as u32,
            data_in: frame.as_ptr() as u64,
            data_size_out: output.len() as u32,
            data_out: output.as_mut_ptr() as u64,
            repeat,
            ..Default::default()
        };
        bpf(BPF_PROG_TEST_RUN, &mut attr).map_err(|e| bpf_error("an XDP test run", e))?;
        Ok(attr.retval)
    }

    /// Runs the program `frames` times on copies of `frame` as if they had
    /// arrived on queue 0 of interface `ifindex`, in batches of `batch`, and
    /// really transmits or redirects what the program says (Linux 5.18+).
    /// Returns early, with an error, if a signal arrives.
    pub fn run_live(&self, frame: &[u8], ifindex: u32, frames: u32, batch: u32) -> Result<(), EnvError> {
        let mut context = XdpMd { data_end: frame.len() as u32, ingress_ifindex: ifindex, ..Default::default() };
        let mut attr = TestRunAttr {
            prog_fd: self.fd.as_raw_fd() as u32,
            data_size_in: frame.len() as u32,
            data_in: frame.as_ptr() as u64,
            repeat: frames,
            ctx_size_in: core::mem::size_of::<XdpMd>() as u32,
            ctx_in: &mut context as *mut XdpMd as u64,
            flags: BPF_F_TEST_XDP_LIVE_FRAMES,
            batch_size: batch,
            ..Default::default()
        };
        bpf(BPF_PROG_TEST_RUN, &mut attr).map_err(|error| match error.raw_os_error() {
            Some(libc::EINVAL) => EnvError(format!(
                "XDP test runs with live frames are refused (Linux 5.18 or later needed, and a frame of at least 14 bytes): {error}"
            )),
            _ => bpf_error("an XDP test run", error),
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_are_encoded_as_the_kernel_documents() {
        // Reference encodings: `r0 = 2; exit` and a map load, as
        // instruction-set.rst lays them out (opcode, regs, offset, imm).
        assert_eq!(mov_imm(R0, 2), Insn { code: 0xb7, registers: 0x00, offset: 0, imm: 2 });
        assert_eq!(exit(), Insn { code: 0x95, registers: 0, offset: 0, imm: 0 });
        assert_eq!(load_u32(R2, R1, 16), Insn { code: 0x61, registers: 0x12, offset: 16, imm: 0 });
        assert_eq!(load_map(R1, 7)[0], Insn { code: 0x18, registers: 0x11, offset: 0, imm: 7 });
        assert_eq!(atomic_add_u64(R0, R1, 0), Insn { code: 0xdb, registers: 0x10, offset: 0, imm: 0 });
        assert_eq!(store_u32_imm(R10, -4, 0), Insn { code: 0x62, registers: 0x0a, offset: -4, imm: 0 });
        assert_eq!(core::mem::size_of::<Insn>(), 8);
    }

    #[test]
    fn attribute_layouts_match_the_kernel() {
        assert_eq!(core::mem::size_of::<TestRunAttr>(), 80);
        assert_eq!(core::mem::offset_of!(TestRunAttr, flags), 64);
        assert_eq!(core::mem::offset_of!(TestRunAttr, batch_size), 72);
        assert_eq!(core::mem::offset_of!(ProgLoadAttr, prog_name), 48);
        assert_eq!(core::mem::offset_of!(ProgLoadAttr, expected_attach_type), 68);
        assert_eq!(core::mem::offset_of!(MapCreateAttr, map_name), 28);
        assert_eq!(core::mem::size_of::<XdpMd>(), 24);
    }

    /// As root: the kernel's verifier accepts every program, and they give
    /// the verdicts (and counts) they should.
    #[test]
    fn the_verifier_accepts_every_program() {
        if !crate::env::is_root() {
            eprintln!("skipped: loading BPF programs needs root");
            return;
        }
        let counters = Map::counters(1).unwrap();
        let sockets = Map::sockets(4).unwrap();
        let frame = [0u8; 60];
        // No socket at queue 0: the frame goes to the kernel.
        assert_eq!(XdpProgram::redirect_to_sockets(&sockets).unwrap().run_dry(&frame, 1).unwrap(), XDP_PASS as u32);
        assert_eq!(counters.counter(0).unwrap(), 0);
        assert_eq!(XdpProgram::count_and_drop(&counters).unwrap().run_dry(&frame, 5).unwrap(), XDP_DROP as u32);
        assert_eq!(counters.counter(0).unwrap(), 5);
        let pattern: Vec<u8> = (1..=59).collect();
        assert_eq!(XdpProgram::transmit_frame(&pattern).unwrap().run_dry(&frame, 1).unwrap(), XDP_TX as u32);
        assert_eq!(XdpProgram::transmit_frame(&pattern).unwrap().run_dry(&frame[..58], 1).unwrap(), XDP_DROP as u32);
        XdpProgram::redirect_to_interface(1).unwrap();
    }
}
