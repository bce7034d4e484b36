//! AF_XDP sockets (Documentation/networking/af_xdp.rst): packet memory
//! shared with the kernel (the UMEM, cut into equal chunks) and four
//! single-producer single-consumer rings per socket that pass chunks back
//! and forth: we give empty chunks on the fill ring, the kernel returns them
//! full on the receive ring; we give full chunks on the transmit ring, the
//! kernel returns them sent on the completion ring.
//!
//! One UMEM serves every socket (`XDP_SHARED_UMEM`), so a chunk received on
//! one interface is transmitted on another as it is: no copy by us.
//!
//! Ownership of chunks is tracked in types: a `Chunk` exists only for a chunk
//! that user space owns (from the UMEM's creation, the receive ring or the
//! completion ring) and is consumed by handing it to the kernel (the fill or
//! transmit ring), so safe code cannot touch memory the kernel may write.

use super::EnvError;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Bytes per chunk: a 1518-byte frame after the kernel's 256 bytes of
/// headroom (XDP_PACKET_HEADROOM), with room to push a VLAN tag.
pub const CHUNK_SIZE: usize = 2048;
/// Entries per ring (a power of two). Frames reach a Linux socket in bursts
/// (softirq work on another core): with 2,048 the forwarder alternated
/// between an empty ring and drops; 8,192 delivered 1.3x as much with 0.75x
/// the CPU per frame (bench/linux-forwarding on veth, BENCHMARKS.md section 5).
pub const RING_SIZE: u32 = 8192;

// include/uapi/asm-generic/socket.h.
const SO_BUSY_POLL: libc::c_int = 46;
const SO_PREFER_BUSY_POLL: libc::c_int = 69;
const SO_BUSY_POLL_BUDGET: libc::c_int = 70;
/// Microseconds a busy-polling system call spins on the device queue.
const BUSY_POLL_MICROSECONDS: libc::c_int = 20;
/// Frames a busy-polling system call processes at most.
const BUSY_POLL_BUDGET: libc::c_int = 64;
// include/uapi/linux/if_xdp.h (Linux 6.17): frames one copy-mode `sendto`
// may send, 32 unless set.
const XDP_MAX_TX_SKB_BUDGET: libc::c_int = 9;
/// One `sendto` sends a whole poll's frames (up to the ring) instead of 32.
const TX_BUDGET: u32 = RING_SIZE;
/// How long `bind` retries while the queue is still held by a socket closed
/// just before (the kernel releases it asynchronously).
const BIND_RETRY: Duration = Duration::from_secs(3);

/// A chunk of the UMEM that user space owns, by its offset.
#[derive(Debug, PartialEq, Eq)]
pub struct Chunk(u64);

/// A received frame: its chunk, where its data starts in it, its length.
#[derive(Debug)]
pub struct Packet {
    chunk: Chunk,
    offset: u32,
    len: u32,
}

impl Packet {
    #[inline]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The room from the start of the data to the end of the chunk.
    #[inline]
    pub fn capacity(&self) -> usize {
        CHUNK_SIZE - self.offset as usize
    }

    /// Sets the frame's length (after the NF grew or shrank it), at most its capacity.
    #[inline]
    pub fn set_len(&mut self, len: usize) {
        self.len = len.min(self.capacity()) as u32;
    }

    #[inline]
    pub fn into_chunk(self) -> Chunk {
        self.chunk
    }
}

/// The packet memory shared by every socket: anonymous memory the kernel
/// pins when the first socket registers it.
pub struct Umem {
    area: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping belongs to this value alone; moving it to another
// thread moves that ownership.
unsafe impl Send for Umem {}

impl Umem {
    /// `chunks` chunks of `CHUNK_SIZE` bytes, and a `Chunk` for each.
    pub fn new(chunks: u32) -> Result<(Umem, Vec<Chunk>), EnvError> {
        let len = chunks as usize * CHUNK_SIZE;
        // SAFETY: an anonymous private mapping at an address of the kernel's
        // choosing aliases nothing; the result is checked before use.
        let area = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
                -1,
                0,
            )
        };
        if area == libc::MAP_FAILED {
            return Err(EnvError(format!(
                "cannot map {} MiB of packet memory: {}",
                len >> 20,
                std::io::Error::last_os_error()
            )));
        }
        let area = NonNull::new(area.cast()).expect("mmap never returns null on success");
        let chunks = (0..chunks).map(|i| Chunk(u64::from(i) * CHUNK_SIZE as u64)).collect();
        Ok((Umem { area, len }, chunks))
    }

    /// The bytes of a received frame's chunk from its first byte to the end
    /// of the chunk (`packet.len()` of them are the frame).
    #[inline]
    pub fn frame(&mut self, packet: &Packet) -> &mut [u8] {
        let start = packet.chunk.0 as usize + packet.offset as usize;
        // A chunk of another (smaller) UMEM would reach past this one.
        assert!(start + packet.capacity() <= self.len, "a chunk of another UMEM");
        // SAFETY: the range lies in our mapping (checked above); user space owns the chunk (it holds the
        // Packet), so the kernel does not write it; `&mut self` makes this the
        // only slice of the UMEM alive.
        unsafe { core::slice::from_raw_parts_mut(self.area.as_ptr().add(start), packet.capacity()) }
    }

    /// Copies `packet`'s frame into `chunk`, at the same offset: a second
    /// frame to transmit on another port.
    pub fn copy(&mut self, packet: &Packet, chunk: Chunk) -> Packet {
        let copy = Packet { chunk, offset: packet.offset, len: packet.len };
        assert!(packet.chunk.0.max(copy.chunk.0) as usize + CHUNK_SIZE <= self.len, "a chunk of another UMEM");
        let (from, to) =
            (packet.chunk.0 as usize + packet.offset as usize, copy.chunk.0 as usize + copy.offset as usize);
        // SAFETY: both ranges lie in our mapping (checked above), user space
        // owns both chunks, and different chunks do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(self.area.as_ptr().add(from), self.area.as_ptr().add(to), packet.len())
        };
        copy
    }

    /// Makes the `Chunk` for an address the kernel handed back; None if the
    /// address lies outside the UMEM.
    #[inline]
    fn chunk_at(len: usize, address: u64) -> Option<Chunk> {
        let base = address & !(CHUNK_SIZE as u64 - 1);
        (base < len as u64).then_some(Chunk(base))
    }
}

impl Drop for Umem {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once; the kernel keeps
        // its own reference to pages it pinned until its sockets are gone.
        unsafe { libc::munmap(self.area.as_ptr().cast(), self.len) };
    }
}

/// One of a socket's rings, mapped from the kernel.
struct Ring<T> {
    map: NonNull<u8>,
    map_len: usize,
    producer: NonNull<AtomicU32>,
    consumer: NonNull<AtomicU32>,
    flags: NonNull<AtomicU32>,
    entries: NonNull<T>,
    /// Our copies of the indices: the ones we own are published with a
    /// store, the kernel's re-read only when ours run out.
    cached_producer: u32,
    cached_consumer: u32,
}

impl<T: Copy> Ring<T> {
    fn map(fd: BorrowedFd<'_>, offsets: &libc::xdp_ring_offset, page_offset: u64) -> std::io::Result<Ring<T>> {
        let map_len = offsets.desc as usize + RING_SIZE as usize * core::mem::size_of::<T>();
        // SAFETY: maps the ring the kernel allocated on our socket at the page
        // offset that names it, for the length it has (rings are sized RING_SIZE).
        let map = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_POPULATE,
                fd.as_raw_fd(),
                page_offset as libc::off_t,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let map = NonNull::new(map.cast::<u8>()).expect("mmap never returns null on success");
        // SAFETY: the kernel's offsets lie within the mapping it described.
        let at = |offset: u64| unsafe { map.add(offset as usize) };
        let mut ring = Ring {
            map,
            map_len,
            producer: at(offsets.producer).cast(),
            consumer: at(offsets.consumer).cast(),
            flags: at(offsets.flags).cast(),
            entries: at(offsets.desc).cast(),
            cached_producer: 0,
            cached_consumer: 0,
        };
        ring.cached_producer = ring.producer().load(Ordering::Acquire);
        ring.cached_consumer = ring.consumer().load(Ordering::Acquire);
        Ok(ring)
    }

    #[inline]
    fn producer(&self) -> &AtomicU32 {
        // SAFETY: a u32 index in our mapping (alive as long as self), 4-byte
        // aligned, shared with the kernel: accessed atomically only.
        unsafe { self.producer.as_ref() }
    }

    #[inline]
    fn consumer(&self) -> &AtomicU32 {
        // SAFETY: as `producer`.
        unsafe { self.consumer.as_ref() }
    }

    #[inline]
    fn needs_wakeup(&self) -> bool {
        // SAFETY: as `producer`.
        unsafe { self.flags.as_ref() }.load(Ordering::Relaxed) & libc::XDP_RING_NEED_WAKEUP != 0
    }

    // The producer side (fill and transmit rings).

    /// Entries we may still produce, re-reading the kernel's consumer index
    /// only when fewer than `wanted` seem free.
    #[inline]
    fn free(&mut self, wanted: u32) -> u32 {
        let free = RING_SIZE - self.cached_producer.wrapping_sub(self.cached_consumer);
        if free >= wanted {
            return free;
        }
        self.cached_consumer = self.consumer().load(Ordering::Acquire);
        RING_SIZE - self.cached_producer.wrapping_sub(self.cached_consumer)
    }

    /// Writes the next entry (the caller checked `free`); the kernel sees it at `publish`.
    #[inline]
    fn push(&mut self, value: T) {
        let index = (self.cached_producer & (RING_SIZE - 1)) as usize;
        // SAFETY: index < RING_SIZE entries of the mapping; this slot is
        // ours: it lies between the kernel's consumer and our producer.
        unsafe { self.entries.add(index).write(value) };
        self.cached_producer = self.cached_producer.wrapping_add(1);
    }

    /// Hands the entries pushed so far to the kernel.
    #[inline]
    fn publish(&mut self) {
        self.producer().store(self.cached_producer, Ordering::Release);
    }

    // The consumer side (receive and completion rings).

    /// Entries ready to consume, re-reading the kernel's producer index when
    /// ours are used up.
    #[inline]
    fn ready(&mut self) -> u32 {
        let ready = self.cached_producer.wrapping_sub(self.cached_consumer);
        if ready > 0 {
            return ready;
        }
        self.cached_producer = self.producer().load(Ordering::Acquire);
        self.cached_producer.wrapping_sub(self.cached_consumer)
    }

    /// Reads the next entry (the caller checked `ready`); its slot goes back at `release`.
    #[inline]
    fn pop(&mut self) -> T {
        let index = (self.cached_consumer & (RING_SIZE - 1)) as usize;
        // SAFETY: index < RING_SIZE entries of the mapping; the kernel wrote
        // this slot before publishing the producer index we loaded (Acquire).
        let value = unsafe { self.entries.add(index).read() };
        self.cached_consumer = self.cached_consumer.wrapping_add(1);
        value
    }

    /// Gives the slots consumed so far back to the kernel.
    #[inline]
    fn release(&mut self) {
        self.consumer().store(self.cached_consumer, Ordering::Release);
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `map`, unmapped once.
        unsafe { libc::munmap(self.map.as_ptr().cast(), self.map_len) };
    }
}

/// Whether the kernel moves frames in and out of the UMEM by copying them
/// (any interface) or lets the device use it directly (drivers with AF_XDP
/// zero-copy support).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyMode {
    ZeroCopy,
    Copy,
}

/// Dropped frames the kernel counted on one socket (XDP_STATISTICS).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XskDrops {
    /// Received, then dropped: no free chunk on the fill ring, or too large.
    pub no_buffer: u64,
    /// Received, then dropped: the receive ring was full.
    pub ring_full: u64,
}

/// An AF_XDP socket bound to one receive queue of one interface.
pub struct XskSocket {
    // Rings are unmapped before the socket closes (fields drop in order).
    fill: Ring<u64>,
    completion: Ring<u64>,
    rx: Ring<libc::xdp_desc>,
    tx: Ring<libc::xdp_desc>,
    fd: OwnedFd,
    umem_len: usize,
    mode: CopyMode,
    /// Frames pushed on the transmit ring since the last publish.
    tx_unpublished: bool,
}

// SAFETY: the socket and its rings belong to this value alone.
unsafe impl Send for XskSocket {}

fn set_option<T>(fd: BorrowedFd<'_>, level: libc::c_int, option: libc::c_int, value: &T) -> std::io::Result<()> {
    // SAFETY: `value` points to a live T of the size passed.
    let result = unsafe {
        libc::setsockopt(fd.as_raw_fd(), level, option, (value as *const T).cast(), core::mem::size_of::<T>() as u32)
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn get_option<T: Default>(fd: BorrowedFd<'_>, level: libc::c_int, option: libc::c_int) -> std::io::Result<T> {
    let mut value = T::default();
    let mut len = core::mem::size_of::<T>() as libc::socklen_t;
    // SAFETY: `value` and `len` describe a writable T.
    let result = unsafe { libc::getsockopt(fd.as_raw_fd(), level, option, (&mut value as *mut T).cast(), &mut len) };
    if result == 0 {
        Ok(value)
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// The locked-memory limit, in KiB, for the memlock error.
fn memlock_limit_kib() -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes the rlimit we pass.
    unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut limit) };
    limit.rlim_cur / 1024
}

impl XskSocket {
    /// Opens a socket on queue `queue` of interface `ifindex` (`name` for
    /// messages). The first socket (`owner` None) registers `umem` and sets
    /// the copy mode; the others share its UMEM and mode.
    pub fn open(
        umem: &Umem,
        owner: Option<&XskSocket>,
        ifindex: u32,
        name: &str,
        queue: u32,
        mode: CopyMode,
    ) -> Result<XskSocket, EnvError> {
        let fail = |what: &str, error: std::io::Error| EnvError(format!("interface {name}: AF_XDP: {what}: {error}"));
        // SAFETY: plain socket(2) call; the result is checked.
        let fd = unsafe { libc::socket(libc::AF_XDP, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            let error = std::io::Error::last_os_error();
            return Err(match error.raw_os_error() {
                Some(libc::EAFNOSUPPORT) => {
                    EnvError("this kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS, Linux 4.18 or later)".into())
                }
                Some(libc::EPERM) | Some(libc::EACCES) => {
                    EnvError(format!("interface {name}: AF_XDP sockets need root or CAP_NET_RAW"))
                }
                _ => fail("cannot open a socket", error),
            });
        }
        // SAFETY: a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let socket = fd.as_fd();
        if owner.is_none() {
            let registration = libc::xdp_umem_reg {
                addr: umem.area.as_ptr() as u64,
                len: umem.len as u64,
                chunk_size: CHUNK_SIZE as u32,
                headroom: 0,
                flags: 0,
                tx_metadata_len: 0,
            };
            set_option(socket, libc::SOL_XDP, libc::XDP_UMEM_REG, &registration).map_err(|error| {
                match error.raw_os_error() {
                    Some(libc::ENOBUFS) | Some(libc::ENOMEM) | Some(libc::EPERM) => EnvError(format!(
                        "registering {} MiB of packet memory for AF_XDP needs CAP_IPC_LOCK or a locked-memory limit of at least {} KiB (`ulimit -l`, now {} KiB)",
                        umem.len >> 20,
                        umem.len / 1024 + 1024,
                        memlock_limit_kib()
                    )),
                    _ => fail("cannot register the packet memory", error),
                }
            })?;
        }
        // Every socket has its own fill and completion rings: sockets on
        // other interfaces or queues than the UMEM's owner need them.
        for ring in [libc::XDP_UMEM_FILL_RING, libc::XDP_UMEM_COMPLETION_RING, libc::XDP_RX_RING, libc::XDP_TX_RING] {
            set_option(socket, libc::SOL_XDP, ring, &RING_SIZE).map_err(|e| fail("cannot size its rings", e))?;
        }
        let offsets: libc::xdp_mmap_offsets = get_option_zeroed(socket, libc::SOL_XDP, libc::XDP_MMAP_OFFSETS)
            .map_err(|e| fail("cannot read its ring offsets", e))?;
        let map_failed = |e| fail("cannot map its rings", e);
        let fill = Ring::map(socket, &offsets.fr, libc::XDP_UMEM_PGOFF_FILL_RING).map_err(map_failed)?;
        let completion = Ring::map(socket, &offsets.cr, libc::XDP_UMEM_PGOFF_COMPLETION_RING).map_err(map_failed)?;
        let rx = Ring::map(socket, &offsets.rx, libc::XDP_PGOFF_RX_RING as u64).map_err(map_failed)?;
        let tx = Ring::map(socket, &offsets.tx, libc::XDP_PGOFF_TX_RING as u64).map_err(map_failed)?;

        let (flags, shared_fd, mode) = match owner {
            None => {
                let copy = match mode {
                    CopyMode::ZeroCopy => libc::XDP_ZEROCOPY,
                    CopyMode::Copy => libc::XDP_COPY,
                };
                (libc::XDP_USE_NEED_WAKEUP | copy, 0, mode)
            }
            // Shared sockets take the owner's mode; the kernel refuses mode flags on them.
            Some(owner) => (libc::XDP_SHARED_UMEM, owner.fd.as_raw_fd() as u32, owner.mode),
        };
        let address = libc::sockaddr_xdp {
            sxdp_family: libc::AF_XDP as u16,
            sxdp_flags: flags,
            sxdp_ifindex: ifindex,
            sxdp_queue_id: queue,
            sxdp_shared_umem_fd: shared_fd,
        };
        let start = Instant::now();
        let mut pause = Duration::from_millis(10);
        loop {
            // SAFETY: `address` is a sockaddr_xdp of the size passed.
            let bound = unsafe {
                libc::bind(
                    socket.as_raw_fd(),
                    (&address as *const libc::sockaddr_xdp).cast(),
                    core::mem::size_of::<libc::sockaddr_xdp>() as u32,
                )
            };
            if bound == 0 {
                break;
            }
            let error = std::io::Error::last_os_error();
            // A socket closed just before on this queue is released by the
            // kernel a little later: EBUSY until then.
            if error.raw_os_error() == Some(libc::EBUSY) && start.elapsed() < BIND_RETRY {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(200));
                continue;
            }
            return Err(match error.raw_os_error() {
                Some(libc::EBUSY) => EnvError(format!(
                    "interface {name}: queue {queue} is taken by another AF_XDP socket (still, after {} s)",
                    BIND_RETRY.as_secs()
                )),
                Some(libc::EOPNOTSUPP) | Some(libc::EINVAL) if mode == CopyMode::ZeroCopy => {
                    EnvError(format!("interface {name}: its driver has no AF_XDP zero-copy support"))
                }
                _ => fail(&format!("cannot bind to queue {queue}"), error),
            });
        }
        // Busy polling: system calls on the socket run the device's receive
        // processing here instead of waiting for interrupts. Best effort: a
        // kernel without it still works.
        let _ = set_option(socket, libc::SOL_SOCKET, SO_PREFER_BUSY_POLL, &(1 as libc::c_int));
        let _ = set_option(socket, libc::SOL_SOCKET, SO_BUSY_POLL, &BUSY_POLL_MICROSECONDS);
        let _ = set_option(socket, libc::SOL_SOCKET, SO_BUSY_POLL_BUDGET, &BUSY_POLL_BUDGET);
        // Fewer system calls per frame sent in copy mode; older kernels send 32 per call.
        let _ = set_option(socket, libc::SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &TX_BUDGET);
        Ok(XskSocket { fill, completion, rx, tx, fd, umem_len: umem.len, mode, tx_unpublished: false })
    }

    pub fn mode(&self) -> CopyMode {
        self.mode
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Gives chunks from `free` to the kernel for receiving, as many as fit.
    #[inline]
    pub fn refill(&mut self, free: &mut Vec<Chunk>) {
        let room = self.fill.free(RING_SIZE / 4).min(free.len() as u32);
        if room == 0 {
            return;
        }
        for _ in 0..room {
            let Chunk(address) = free.pop().expect("counted above");
            self.fill.push(address);
        }
        self.fill.publish();
    }

    /// Takes chunks the kernel finished transmitting, into `free`.
    #[inline]
    pub fn reclaim(&mut self, free: &mut Vec<Chunk>) {
        let ready = self.completion.ready();
        if ready == 0 {
            return;
        }
        for _ in 0..ready {
            let address = self.completion.pop();
            if let Some(chunk) = Umem::chunk_at(self.umem_len, address) {
                free.push(chunk);
            }
        }
        self.completion.release();
    }

    /// Frames waiting on the receive ring.
    #[inline]
    pub fn received(&mut self) -> u32 {
        self.rx.ready()
    }

    /// The next received frame (the caller checked `received`). Its ring
    /// slot is returned with `finish_receiving`.
    #[inline]
    pub fn receive(&mut self) -> Option<Packet> {
        let desc = self.rx.pop();
        let chunk = Umem::chunk_at(self.umem_len, desc.addr)?;
        let offset = (desc.addr - chunk.0) as u32;
        Some(Packet { chunk, offset, len: desc.len.min(CHUNK_SIZE as u32 - offset) })
    }

    #[inline]
    pub fn finish_receiving(&mut self) {
        self.rx.release();
    }

    /// Queues `packet` for transmission; gives it back if the ring is full.
    /// It leaves at the next `kick`.
    #[inline]
    pub fn send(&mut self, packet: Packet) -> Result<(), Packet> {
        if self.tx.free(1) == 0 {
            return Err(packet);
        }
        self.tx.push(libc::xdp_desc { addr: packet.chunk.0 + u64::from(packet.offset), len: packet.len, options: 0 });
        self.tx_unpublished = true;
        Ok(())
    }

    /// Publishes queued frames and, while the kernel asks for it, wakes it
    /// to send them: in copy mode the sending happens in these system
    /// calls, up to `TX_BUDGET` frames per call (32 before Linux 6.17).
    #[inline]
    pub fn kick(&mut self) -> Result<(), EnvError> {
        if self.tx_unpublished {
            self.tx.publish();
            self.tx_unpublished = false;
        }
        for _ in 0..RING_SIZE / 16 {
            if !self.has_unsent() || !self.tx.needs_wakeup() {
                return Ok(());
            }
            // SAFETY: a zero-length send on our own socket only starts transmission.
            let sent = unsafe {
                libc::sendto(self.fd.as_raw_fd(), core::ptr::null(), 0, libc::MSG_DONTWAIT, core::ptr::null(), 0)
            };
            if sent < 0 {
                let error = std::io::Error::last_os_error();
                match error.raw_os_error() {
                    // More than one call's worth queued, or the device was busy: again.
                    Some(libc::EAGAIN | libc::EBUSY) => continue,
                    // Full device queue or link down: the frames stay queued
                    // and go with a later kick.
                    Some(libc::ENOBUFS | libc::ENETDOWN | libc::ENXIO) => return Ok(()),
                    _ => return Err(EnvError(format!("AF_XDP transmit failed: {error}"))),
                }
            }
        }
        Ok(())
    }

    /// Whether frames are queued that the kernel has not taken yet.
    #[inline]
    pub fn has_unsent(&self) -> bool {
        self.tx.consumer().load(Ordering::Acquire) != self.tx.cached_producer
    }

    /// Lets the kernel receive: needed when the fill ring asks for a wakeup
    /// (zero-copy drivers), and the busy-polling step when nothing arrived.
    #[inline]
    pub fn poll_receive(&mut self) {
        // SAFETY: a zero-length, non-blocking receive on our own socket.
        unsafe {
            libc::recvfrom(
                self.fd.as_raw_fd(),
                core::ptr::null_mut(),
                0,
                libc::MSG_DONTWAIT,
                core::ptr::null_mut(),
                core::ptr::null_mut(),
            )
        };
    }

    /// Whether the kernel needs a system call to take from the fill ring.
    #[inline]
    pub fn fill_needs_wakeup(&self) -> bool {
        self.fill.needs_wakeup()
    }

    /// Frames the kernel dropped on this socket since it was opened.
    pub fn drops(&self) -> XskDrops {
        get_option_zeroed::<libc::xdp_statistics>(self.fd.as_fd(), libc::SOL_XDP, libc::XDP_STATISTICS)
            .map(|s| XskDrops { no_buffer: s.rx_dropped, ring_full: s.rx_ring_full })
            .unwrap_or_default()
    }
}

/// `get_option` for the kernel's plain-integer structs, which have no Default.
fn get_option_zeroed<T>(fd: BorrowedFd<'_>, level: libc::c_int, option: libc::c_int) -> std::io::Result<T> {
    struct Zeroed<T>(T);
    impl<T> Default for Zeroed<T> {
        fn default() -> Zeroed<T> {
            // SAFETY: only instantiated with libc's structs of integers, for
            // which all-zero bytes are a valid value.
            Zeroed(unsafe { core::mem::zeroed() })
        }
    }
    get_option::<Zeroed<T>>(fd, level, option).map(|z| z.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_from_the_kernel_are_aligned_and_inside_the_umem() {
        let len = 4 * CHUNK_SIZE;
        assert_eq!(Umem::chunk_at(len, 0), Some(Chunk(0)));
        assert_eq!(Umem::chunk_at(len, 2048 + 256), Some(Chunk(2048)));
        assert_eq!(Umem::chunk_at(len, 3 * 2048 + 2047), Some(Chunk(3 * 2048)));
        assert_eq!(Umem::chunk_at(len, 4 * 2048), None);
        assert_eq!(Umem::chunk_at(len, u64::MAX), None);
    }

    #[test]
    fn a_packet_never_reaches_past_its_chunk() {
        let (mut umem, mut chunks) = Umem::new(2).unwrap();
        let mut packet = Packet { chunk: chunks.pop().unwrap(), offset: 256, len: 60 };
        assert_eq!(packet.capacity(), CHUNK_SIZE - 256);
        packet.set_len(5000);
        assert_eq!(packet.len(), CHUNK_SIZE - 256);
        packet.set_len(60);
        umem.frame(&packet)[..4].copy_from_slice(b"abcd");
        let copy = umem.copy(&packet, chunks.pop().unwrap());
        assert_eq!(&umem.frame(&copy)[..4], b"abcd");
        assert_eq!(copy.len(), 60);
    }
}
