//! 82599 register offsets and bits, from the Intel 82599 10 GbE Controller
//! Datasheet (rev. 3.3), section 8.2.3 unless noted.
//!
//! Only registers the driver or the model use are declared. Queue registers
//! for queues 0..63 use the first-bank layout (stride 0x40).

use super::{Field, Register, RegisterArray};

// 8.2.3.1 General control
pub const CTRL: Register = Register::new("CTRL", 0x00000);
pub mod ctrl {
    use super::Field;
    /// 8.2.3.1.1: PCIe master disable (stop issuing new master requests).
    pub const MASTER_DISABLE: Field = Field::bit("CTRL.PCIE_MASTER_DISABLE", 2);
    /// Link reset.
    pub const LRST: Field = Field::bit("CTRL.LRST", 3);
    /// Device reset, self-clearing.
    pub const RST: Field = Field::bit("CTRL.RST", 26);
}
pub const STATUS: Register = Register::new("STATUS", 0x00008);
pub mod status {
    use super::Field;
    /// 8.2.3.1.2: cleared once all pending master requests completed.
    pub const MASTER_ENABLE_STATUS: Field = Field::bit("STATUS.PCIE_MASTER_ENABLE_STATUS", 19);
}
pub const CTRL_EXT: Register = Register::new("CTRL_EXT", 0x00018);
pub mod ctrl_ext {
    use super::Field;
    /// 8.2.3.1.3: no-snoop disable.
    pub const NS_DIS: Field = Field::bit("CTRL_EXT.NS_DIS", 16);
    /// Driver loaded (tells firmware a driver owns the device).
    pub const DRV_LOAD: Field = Field::bit("CTRL_EXT.DRV_LOAD", 28);
}

// 8.2.3.2 EEPROM/Flash
pub const EEC: Register = Register::new("EEC", 0x10010);
pub mod eec {
    use super::Field;
    /// 8.2.3.2.1: EEPROM present.
    pub const PRES: Field = Field::bit("EEC.PRES", 8);
    /// EEPROM auto-read done.
    pub const AUTO_RD: Field = Field::bit("EEC.AUTO_RD", 9);
}

// 8.2.3.5 Interrupts
pub const EICR: Register = Register::new("EICR", 0x00800);
pub const EIMS: Register = Register::new("EIMS", 0x00880);
pub const EIMC: Register = Register::new("EIMC", 0x00888);
/// 8.2.3.5.9: extended interrupt mask clear, one per 32 MSI-X vectors.
pub const EIMC_EX: RegisterArray = RegisterArray::new("EIMC_EX", 0x00AB0, 4, 2);

// 8.2.3.7 Receive registers
pub const FCTRL: Register = Register::new("FCTRL", 0x05080);
pub mod fctrl {
    use super::Field;
    /// 8.2.3.7.1: multicast promiscuous enable.
    pub const MPE: Field = Field::bit("FCTRL.MPE", 8);
    /// Unicast promiscuous enable.
    pub const UPE: Field = Field::bit("FCTRL.UPE", 9);
    /// Broadcast accept mode.
    pub const BAM: Field = Field::bit("FCTRL.BAM", 10);
}
pub const RXCTRL: Register = Register::new("RXCTRL", 0x03000);
pub mod rxctrl {
    use super::Field;
    /// 8.2.3.8.10: receive enable.
    pub const RXEN: Field = Field::bit("RXCTRL.RXEN", 0);
}
pub const RDRXCTL: Register = Register::new("RDRXCTL", 0x02F00);
pub mod rdrxctl {
    use super::Field;
    /// 8.2.3.8.8: strip Ethernet CRC (must match HLREG0.RXCRCSTRP).
    pub const CRCSTRIP: Field = Field::bit("RDRXCTL.CRCSTRIP", 1);
    /// DMA initialisation done.
    pub const DMAIDONE: Field = Field::bit("RDRXCTL.DMAIDONE", 3);
}
pub const RXPBSIZE: RegisterArray = RegisterArray::new("RXPBSIZE", 0x03C00, 4, 8);

pub const RDBAL: RegisterArray = RegisterArray::new("RDBAL", 0x01000, 0x40, 64);
pub const RDBAH: RegisterArray = RegisterArray::new("RDBAH", 0x01004, 0x40, 64);
pub const RDLEN: RegisterArray = RegisterArray::new("RDLEN", 0x01008, 0x40, 64);
/// 8.2.3.11.1: receive DCA control, per queue.
pub const DCA_RXCTRL: RegisterArray = RegisterArray::new("DCA_RXCTRL", 0x0100C, 0x40, 64);
pub mod dca_rxctrl {
    use super::Field;
    /// Bit 12: reserved, 1b after reset, "must be set to 0" (8.2.3.11.1);
    /// 4.6.7 asks to clear it for each receive queue (as TinyNF, ixy, ixy.rs do).
    pub const RESERVED_12: Field = Field::bit("DCA_RXCTRL.Reserved12", 12);
    /// Value after reset: RXdescReadROEn (9), reserved bit 12, RXdataWriteROEn
    /// (13) and RxRepHeaderROEn (15) set.
    pub const RESET: u32 = 1 << 9 | 1 << 12 | 1 << 13 | 1 << 15;
}
pub const RDH: RegisterArray = RegisterArray::new("RDH", 0x01010, 0x40, 64);
pub const SRRCTL: RegisterArray = RegisterArray::new("SRRCTL", 0x01014, 0x40, 64);
pub mod srrctl {
    use super::Field;
    /// 8.2.3.8.7: receive buffer size in 1 KiB units.
    pub const BSIZEPACKET: Field = Field::bits("SRRCTL.BSIZEPACKET", 0, 5);
    /// Descriptor type: 000b legacy, 001b advanced one-buffer.
    pub const DESCTYPE: Field = Field::bits("SRRCTL.DESCTYPE", 25, 3);
    pub const DESCTYPE_LEGACY: u32 = 0b000;
    /// Drop packets when no descriptor is available instead of filling the packet buffer.
    pub const DROP_EN: Field = Field::bit("SRRCTL.DROP_EN", 28);
}
pub const RDT: RegisterArray = RegisterArray::new("RDT", 0x01018, 0x40, 64);
pub const RXDCTL: RegisterArray = RegisterArray::new("RXDCTL", 0x01028, 0x40, 64);
pub mod rxdctl {
    use super::Field;
    /// 8.2.3.8.6: receive queue enable; reads back 1 once the queue is live.
    pub const ENABLE: Field = Field::bit("RXDCTL.ENABLE", 25);
}

// 8.2.3.9 Transmit registers
pub const HLREG0: Register = Register::new("HLREG0", 0x04240);
pub mod hlreg0 {
    use super::Field;
    /// 8.2.3.22.8: append CRC to transmitted frames.
    pub const TXCRCEN: Field = Field::bit("HLREG0.TXCRCEN", 0);
    /// Strip CRC from received frames.
    pub const RXCRCSTRP: Field = Field::bit("HLREG0.RXCRCSTRP", 1);
    /// Pad short transmitted frames to 64 bytes.
    pub const TXPADEN: Field = Field::bit("HLREG0.TXPADEN", 10);
    /// Loopback.
    pub const LPBK: Field = Field::bit("HLREG0.LPBK", 15);
}
pub const DMATXCTL: Register = Register::new("DMATXCTL", 0x04A80);
pub mod dmatxctl {
    use super::Field;
    /// 8.2.3.9.2: transmit enable.
    pub const TE: Field = Field::bit("DMATXCTL.TE", 0);
}
pub const RTTDCS: Register = Register::new("RTTDCS", 0x04900);
pub mod rttdcs {
    use super::Field;
    /// 8.2.3.10.2: descriptor plane arbiter disable (set while configuring TX).
    pub const ARBDIS: Field = Field::bit("RTTDCS.ARBDIS", 6);
}
pub const MTQC: Register = Register::new("MTQC", 0x08120);
pub const TXPBSIZE: RegisterArray = RegisterArray::new("TXPBSIZE", 0x0CC00, 4, 8);
pub const DTXMXSZRQ: Register = Register::new("DTXMXSZRQ", 0x08100);

pub const TDBAL: RegisterArray = RegisterArray::new("TDBAL", 0x06000, 0x40, 128);
pub const TDBAH: RegisterArray = RegisterArray::new("TDBAH", 0x06004, 0x40, 128);
pub const TDLEN: RegisterArray = RegisterArray::new("TDLEN", 0x06008, 0x40, 128);
pub const TDH: RegisterArray = RegisterArray::new("TDH", 0x06010, 0x40, 128);
pub const TDT: RegisterArray = RegisterArray::new("TDT", 0x06018, 0x40, 128);
pub const TXDCTL: RegisterArray = RegisterArray::new("TXDCTL", 0x06028, 0x40, 128);
pub mod txdctl {
    use super::Field;
    /// 8.2.3.9.10: prefetch threshold.
    pub const PTHRESH: Field = Field::bits("TXDCTL.PTHRESH", 0, 7);
    /// Host threshold.
    pub const HTHRESH: Field = Field::bits("TXDCTL.HTHRESH", 8, 7);
    /// Write-back threshold.
    pub const WTHRESH: Field = Field::bits("TXDCTL.WTHRESH", 16, 7);
    /// Transmit queue enable; reads back 1 once the queue is live.
    pub const ENABLE: Field = Field::bit("TXDCTL.ENABLE", 25);
}
pub const TDWBAL: RegisterArray = RegisterArray::new("TDWBAL", 0x06038, 0x40, 128);
pub mod tdwbal {
    use super::Field;
    /// 8.2.3.9.11: head write-back enable.
    pub const HEAD_WB_EN: Field = Field::bit("TDWBAL.Head_WB_En", 0);
}
/// 8.2.3.11.2: transmit DCA control, per queue.
pub const DCA_TXCTRL: RegisterArray = RegisterArray::new("DCA_TXCTRL", 0x0600C, 0x40, 128);
pub mod dca_txctrl {
    use super::Field;
    /// Relaxed ordering of descriptor (and head) write-back, 1b after reset:
    /// write-backs may then land out of order, and a head read from memory
    /// may go backwards. TinyNF, ixy, Linux, DPDK and FreeBSD all clear it.
    pub const TX_DESC_WB_RO_EN: Field = Field::bit("DCA_TXCTRL.TXdescWBROen", 11);
    /// Value after reset: TXdescRDROEn (9), TXdescWBROen (11) and TXDataReadROEn (13) set.
    pub const RESET: u32 = 1 << 9 | 1 << 11 | 1 << 13;
}
pub const TDWBAH: RegisterArray = RegisterArray::new("TDWBAH", 0x0603C, 0x40, 128);

// 8.2.3.22 MAC / link
pub const AUTOC: Register = Register::new("AUTOC", 0x042A0);
pub mod autoc {
    use super::Field;
    /// 8.2.3.22.19: link mode select.
    pub const LMS: Field = Field::bits("AUTOC.LMS", 13, 3);
    /// LMS = 011b: 10 GbE serial link (SFI), no backplane auto-negotiation.
    pub const LMS_10G_SERIAL: u32 = 0b011;
    /// Restart auto-negotiation (self-clearing).
    pub const RESTART_AN: Field = Field::bit("AUTOC.Restart_AN", 12);
}
pub const LINKS: Register = Register::new("LINKS", 0x042A4);
pub mod links {
    use super::Field;
    /// 8.2.3.22.20: link is up.
    pub const LINK_UP: Field = Field::bit("LINKS.Link_Up", 30);
}

// 8.2.3.3 / 8.2.3.22 Flow control
pub const FCCFG: Register = Register::new("FCCFG", 0x03D00);
pub const MFLCN: Register = Register::new("MFLCN", 0x04294);
pub const FCRTL: RegisterArray = RegisterArray::new("FCRTL", 0x03220, 4, 8);
pub const FCRTH: RegisterArray = RegisterArray::new("FCRTH", 0x03260, 4, 8);
pub mod fcrth {
    use super::Field;
    /// 8.2.3.3.4: receive packet buffer high water mark, in bytes (bits
    /// 18:5, so 32-byte granularity). Must be set even without flow control.
    pub const RTH: Field = Field::bits("FCRTH.RTH", 5, 14);
}

// 8.2.3.23 Statistics (clear on read)
pub const CRCERRS: Register = Register::new("CRCERRS", 0x04000);
pub const MPC: RegisterArray = RegisterArray::new("MPC", 0x03FA0, 4, 8);
pub const GPRC: Register = Register::new("GPRC", 0x04074);
pub const GPTC: Register = Register::new("GPTC", 0x04080);
pub const GORCL: Register = Register::new("GORCL", 0x04088);
pub const GORCH: Register = Register::new("GORCH", 0x0408C);
pub const GOTCL: Register = Register::new("GOTCL", 0x04090);
pub const GOTCH: Register = Register::new("GOTCH", 0x04094);
pub const TPR: Register = Register::new("TPR", 0x040D0);
pub const TPT: Register = Register::new("TPT", 0x040D4);
/// Per-queue receive drop count (packets dropped for lack of descriptors with DROP_EN).
pub const QPRDC: RegisterArray = RegisterArray::new("QPRDC", 0x01430, 0x40, 16);
