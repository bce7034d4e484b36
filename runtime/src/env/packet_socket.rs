//! A Linux packet socket (AF_PACKET, TPACKET_V2) bound to one interface,
//! with memory-mapped receive and transmit rings.
//!
//! Both rings are mapped once at open: frames are read from and written to
//! memory the kernel shares with us, one status word per slot says who owns
//! it, and nothing is allocated afterwards. The socket ignores frames the
//! host itself sends on the interface (PACKET_IGNORE_OUTGOING), so it sees
//! exactly what arrives from the wire, like a NIC's receive queue.

use super::EnvError;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Bytes per ring slot: header, address, and a full 1518-byte frame with
/// room for a re-inserted VLAN tag.
const FRAME_SIZE: usize = 2048;
const BLOCK_SIZE: usize = 4096;
/// Slots per ring: as deep as an AF_XDP socket's rings (env::xsk), for the
/// same reason (bursts); 512 dropped frames a deeper ring forwards.
const FRAMES_PER_RING: usize = 8192;
const RING_BYTES: usize = FRAME_SIZE * FRAMES_PER_RING;
/// `tpacket2_hdr` is 32 bytes; transmit data starts right after it.
const TX_DATA_OFFSET: usize = 32;
/// `if_packet.h`: `TPACKET_V2` in `enum tpacket_versions`.
const TPACKET_V2: libc::c_int = 1;
const TP_STATUS_KERNEL: u32 = 0;
const TP_STATUS_AVAILABLE: u32 = 0;
/// How long `open` waits for the interface's link to come up.
const LINK_WAIT: Duration = Duration::from_secs(5);

/// One received frame's place in the ring.
struct RxSlot {
    status: u32,
    len: usize,
    data_offset: usize,
    vlan_tci: u16,
    vlan_tpid: u16,
}

pub struct PacketSocket {
    name: String,
    fd: libc::c_int,
    /// RX ring, then TX ring, `2 * RING_BYTES` in all.
    ring: *mut u8,
    rx_next: usize,
    tx_next: usize,
    tx_pending: bool,
}

// SAFETY: the socket and its rings belong to this value alone; moving it to
// another thread moves that ownership, nothing is shared.
unsafe impl Send for PacketSocket {}

impl PacketSocket {
    /// Opens a packet socket on interface `name`, maps its rings, puts the
    /// interface in promiscuous mode and waits (boundedly) for its link.
    pub fn open(name: &str) -> Result<PacketSocket, EnvError> {
        let fail = |what: &str| EnvError(format!("interface {name}: {what}: {}", std::io::Error::last_os_error()));
        let ifindex = super::interface_index(name)?;
        let protocol = (libc::ETH_P_ALL as u16).to_be();
        // SAFETY: plain socket(2) call; the result is checked.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, libc::c_int::from(protocol)) };
        if fd < 0 {
            let error = std::io::Error::last_os_error();
            if error.kind() == std::io::ErrorKind::PermissionDenied {
                return Err(EnvError(format!("interface {name}: packet sockets need root or CAP_NET_RAW")));
            }
            return Err(EnvError(format!("interface {name}: cannot open a packet socket: {error}")));
        }
        // From here on, dropping `socket` closes the fd (and unmaps rings).
        let mut socket = PacketSocket {
            name: name.to_owned(),
            fd,
            ring: core::ptr::null_mut(),
            rx_next: 0,
            tx_next: 0,
            tx_pending: false,
        };
        socket.set_option(libc::PACKET_VERSION, &TPACKET_V2).map_err(|_| fail("TPACKET_V2 not supported"))?;
        socket
            .set_option(libc::PACKET_IGNORE_OUTGOING, &1 as &libc::c_int)
            .map_err(|_| fail("cannot ignore outgoing frames"))?;
        // Transmit straight to the driver: the NF is the only sender.
        socket
            .set_option(libc::PACKET_QDISC_BYPASS, &1 as &libc::c_int)
            .map_err(|_| fail("cannot bypass the qdisc"))?;
        let request = libc::tpacket_req {
            tp_block_size: BLOCK_SIZE as u32,
            tp_block_nr: (RING_BYTES / BLOCK_SIZE) as u32,
            tp_frame_size: FRAME_SIZE as u32,
            tp_frame_nr: FRAMES_PER_RING as u32,
        };
        socket.set_option(libc::PACKET_RX_RING, &request).map_err(|_| fail("cannot set up the receive ring"))?;
        socket.set_option(libc::PACKET_TX_RING, &request).map_err(|_| fail("cannot set up the transmit ring"))?;
        // SAFETY: maps the two rings just configured on our own fd; the
        // length is exactly what the kernel allocated for them.
        let ring = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                2 * RING_BYTES,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_LOCKED,
                fd,
                0,
            )
        };
        if ring == libc::MAP_FAILED {
            return Err(fail("cannot map the rings"));
        }
        socket.ring = ring.cast();

        // SAFETY: an all-zero sockaddr_ll is valid; the fields that matter are set below.
        let mut address: libc::sockaddr_ll = unsafe { core::mem::zeroed() };
        address.sll_family = libc::AF_PACKET as u16;
        address.sll_protocol = protocol;
        address.sll_ifindex = ifindex as i32;
        // SAFETY: `address` is a sockaddr_ll of the size passed.
        let bound = unsafe {
            libc::bind(
                fd,
                (&address as *const libc::sockaddr_ll).cast(),
                core::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        if bound != 0 {
            return Err(fail("cannot bind to it"));
        }
        let membership = libc::packet_mreq {
            mr_ifindex: ifindex as i32,
            mr_type: libc::PACKET_MR_PROMISC as u16,
            mr_alen: 0,
            mr_address: [0; 8],
        };
        socket
            .set_option(libc::PACKET_ADD_MEMBERSHIP, &membership)
            .map_err(|_| fail("cannot enter promiscuous mode"))?;
        super::wait_for_link(name, LINK_WAIT)?;
        Ok(socket)
    }

    fn set_option<T>(&self, option: libc::c_int, value: &T) -> Result<(), ()> {
        // SAFETY: `value` points to a live T of the size passed.
        let result = unsafe {
            libc::setsockopt(
                self.fd,
                libc::SOL_PACKET,
                option,
                (value as *const T).cast(),
                core::mem::size_of::<T>() as u32,
            )
        };
        if result == 0 {
            Ok(())
        } else {
            Err(())
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn rx_frame(&self, index: usize) -> *mut u8 {
        // In bounds: index < FRAMES_PER_RING, and frames tile the ring.
        self.ring.wrapping_add(index * FRAME_SIZE)
    }

    fn tx_frame(&self, index: usize) -> *mut u8 {
        self.ring.wrapping_add(RING_BYTES + index * FRAME_SIZE)
    }

    /// The status word of a slot of our rings, shared with the kernel.
    fn status(&self, frame: *mut u8) -> &AtomicU32 {
        // SAFETY: `frame` is a slot of our mapping (rx_frame/tx_frame), which
        // lives as long as `self`; every slot starts with tpacket2_hdr,
        // whose first field is the u32 status, 4-byte aligned (slots are
        // 2048-byte aligned in a page-aligned mapping).
        unsafe { &*(frame as *const AtomicU32) }
    }

    fn read_rx_slot(&self, frame: *mut u8) -> RxSlot {
        let status = self.status(frame).load(Ordering::Acquire);
        let header = |offset: usize, size: usize| -> u32 {
            let mut raw = [0u8; 4];
            // SAFETY: offsets are within the 32-byte tpacket2_hdr of a slot
            // the kernel handed to us (status USER, read with Acquire).
            unsafe { core::ptr::copy_nonoverlapping(frame.add(offset), raw.as_mut_ptr(), size) };
            u32::from_ne_bytes(raw)
        };
        RxSlot {
            status,
            len: header(8, 4) as usize,
            data_offset: header(12, 2) as usize,
            vlan_tci: header(24, 2) as u16,
            vlan_tpid: header(26, 2) as u16,
        }
    }

    /// Copies the next received frame into `buffer` (re-inserting the VLAN
    /// tag the kernel may have moved into metadata) and gives its slot back.
    /// Returns the frame's length, or `None` if nothing has arrived.
    pub fn receive(&mut self, buffer: &mut [u8]) -> Option<usize> {
        let frame = self.rx_frame(self.rx_next);
        let slot = self.read_rx_slot(frame);
        if slot.status & libc::TP_STATUS_USER == 0 {
            return None;
        }
        let tagged = slot.status & libc::TP_STATUS_VLAN_VALID != 0 && slot.len >= 12;
        let room = FRAME_SIZE.saturating_sub(slot.data_offset);
        let len = slot.len.min(room).min(buffer.len() - if tagged { 4 } else { 0 });
        // SAFETY: `data_offset + len` stays inside this slot (len <= room),
        // and `buffer` has `len` bytes (checked above).
        let data = unsafe { core::slice::from_raw_parts(frame.add(slot.data_offset), len) };
        let total = if tagged {
            let tpid = if slot.status & libc::TP_STATUS_VLAN_TPID_VALID != 0 { slot.vlan_tpid } else { 0x8100 };
            buffer[..12].copy_from_slice(&data[..12]);
            buffer[12..14].copy_from_slice(&tpid.to_be_bytes());
            buffer[14..16].copy_from_slice(&slot.vlan_tci.to_be_bytes());
            buffer[16..16 + len - 12].copy_from_slice(&data[12..]);
            len + 4
        } else {
            buffer[..len].copy_from_slice(data);
            len
        };
        self.status(frame).store(TP_STATUS_KERNEL, Ordering::Release);
        self.rx_next = (self.rx_next + 1) % FRAMES_PER_RING;
        Some(total)
    }

    /// Queues `data` for transmission; false if the transmit ring is full.
    /// Frames leave when `flush` is called.
    pub fn send(&mut self, data: &[u8]) -> bool {
        let frame = self.tx_frame(self.tx_next);
        let status = self.status(frame).load(Ordering::Acquire);
        if status != TP_STATUS_AVAILABLE && status != libc::TP_STATUS_WRONG_FORMAT {
            return false;
        }
        let len = data.len().min(FRAME_SIZE - TX_DATA_OFFSET);
        // SAFETY: the slot is ours (status AVAILABLE); the header's length
        // field and `len` data bytes after the header lie inside the slot.
        unsafe {
            core::ptr::copy_nonoverlapping((len as u32).to_ne_bytes().as_ptr(), frame.add(4), 4);
            core::ptr::copy_nonoverlapping(data.as_ptr(), frame.add(TX_DATA_OFFSET), len);
        }
        self.status(frame).store(libc::TP_STATUS_SEND_REQUEST, Ordering::Release);
        self.tx_next = (self.tx_next + 1) % FRAMES_PER_RING;
        self.tx_pending = true;
        true
    }

    /// Asks the kernel to transmit every queued frame, without waiting.
    pub fn flush(&mut self) -> Result<(), EnvError> {
        if !self.tx_pending {
            return Ok(());
        }
        self.tx_pending = false;
        // SAFETY: a zero-length send on our own socket only kicks the ring.
        let sent = unsafe { libc::send(self.fd, core::ptr::null(), 0, libc::MSG_DONTWAIT) };
        if sent < 0 {
            let error = std::io::Error::last_os_error();
            // A full device queue or an interface going down is not fatal:
            // the frames stay queued and go with the next kick.
            if !matches!(error.raw_os_error(), Some(libc::EAGAIN | libc::ENOBUFS | libc::ENETDOWN | libc::ENXIO)) {
                return Err(EnvError(format!("interface {}: transmit failed: {error}", self.name)));
            }
            self.tx_pending = true;
        }
        Ok(())
    }

    /// Frames the kernel dropped because the receive ring was full, since
    /// the last call (the kernel resets the count when read).
    pub fn take_drops(&self) -> u64 {
        // SAFETY: zeroed tpacket_stats is valid; getsockopt fills it.
        let mut stats: libc::tpacket_stats = unsafe { core::mem::zeroed() };
        let mut len = core::mem::size_of::<libc::tpacket_stats>() as u32;
        // SAFETY: `stats` and `len` describe a writable buffer of that size.
        let result = unsafe {
            libc::getsockopt(
                self.fd,
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&mut stats as *mut libc::tpacket_stats).cast(),
                &mut len,
            )
        };
        if result == 0 {
            u64::from(stats.tp_drops)
        } else {
            0
        }
    }
}

impl Drop for PacketSocket {
    fn drop(&mut self) {
        // SAFETY: the mapping (if made) and the fd are ours and used by
        // nothing else once we are dropped.
        unsafe {
            if !self.ring.is_null() {
                libc::munmap(self.ring.cast(), 2 * RING_BYTES);
            }
            libc::close(self.fd);
        }
    }
}
