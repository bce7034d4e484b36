//! The 82599 driver against the software 82599 model.

use nfc_runtime::backend::Backend;
use nfc_runtime::dma::DmaMemory;
use nfc_runtime::driver::{Device, DriverError, Pipeline, Timeouts, RING_SIZE, VANISH_CHECK_PERIOD};
use nfc_runtime::model::{Model, ModelConfig, ModelRegisters};
use nfc_runtime::regs::{
    autoc, ctrl, dca_rxctrl, dca_txctrl, fcrth, rxctrl, rxdctl, srrctl, status, tdwbal, txdctl, RegisterAccess, AUTOC,
    CTRL, DCA_RXCTRL, DCA_TXCTRL, FCRTH, MPC, QPRDC, RDBAH, RDBAL, RDLEN, RDT, RXCTRL, RXDCTL, SRRCTL, STATUS, TDBAH,
    TDBAL, TDT, TDWBAH, TDWBAL, TXDCTL,
};
use nfc_runtime::{Frame, Outputs, PortId};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PHYS: u64 = 0x2_0000_0000;

fn quick() -> Timeouts {
    let t = Duration::from_millis(50);
    Timeouts { reset: t, eeprom: t, dma_init: t, link: t, queue_enable: t, stop: t }
}

fn setup(ports: usize, config: ModelConfig) -> (Arc<Model>, Pipeline<ModelRegisters>) {
    let memory = Arc::new(DmaMemory::simulated(Pipeline::<ModelRegisters>::dma_bytes(ports), PHYS));
    let model = Model::new(ports, &memory, config);
    let devices = (0..ports).map(|p| Device::init_with(model.registers(p), quick()).expect("init")).collect();
    let pipeline = Pipeline::new(devices, memory).expect("pipeline");
    assert_eq!(model.violations(), Vec::<String>::new());
    (model, pipeline)
}

/// A 60-byte frame carrying `seq` and a routing byte the test NFs read.
fn frame(seq: u32, route: u8) -> Vec<u8> {
    let mut f = vec![0u8; 60];
    f[..12].copy_from_slice(&[2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]);
    f[12..14].copy_from_slice(&[0x88, 0xb5]);
    f[14..18].copy_from_slice(&seq.to_be_bytes());
    f[18] = route;
    f
}

/// Inject `frames` on `port` in bursts, stepping the model and polling the
/// driver until everything was processed.
fn run<N: nfc_runtime::NetworkFunction>(
    model: &Model,
    pipeline: &mut Pipeline<ModelRegisters>,
    nf: &mut N,
    port: usize,
    frames: &[Vec<u8>],
) {
    for chunk in frames.chunks(64) {
        for f in chunk {
            assert!(model.inject(port, f));
        }
        drain(model, pipeline, nf);
    }
}

fn drain<N: nfc_runtime::NetworkFunction>(model: &Model, pipeline: &mut Pipeline<ModelRegisters>, nf: &mut N) {
    let mut idle = 0;
    while idle < 3 {
        model.step();
        let n = pipeline.poll(nf).expect("poll");
        model.step();
        idle = if n == 0 { idle + 1 } else { 0 };
    }
    assert_eq!(model.violations(), Vec::<String>::new());
}

fn cross(port: PortId, _: &mut Frame<'_>) -> Outputs {
    Outputs::port(port ^ 1)
}

#[test]
fn nop_forwards_byte_identical_and_in_order_both_ways() {
    let (model, mut pipeline) = setup(2, ModelConfig::default());
    let mut nf = cross;
    for (from, to) in [(0, 1), (1, 0)] {
        let frames: Vec<_> = (0..1000).map(|i| frame(i, 0)).collect();
        run(&model, &mut pipeline, &mut nf, from, &frames);
        assert_eq!(model.transmitted(to), frames);
        assert!(model.transmitted(from).is_empty());
    }
    let stats = pipeline.stats();
    assert_eq!((stats[0].rx_packets, stats[0].tx_packets, stats[0].missed), (1000, 1000, 0));
}

#[test]
fn ring_wraps_around_many_laps() {
    let (model, mut pipeline) = setup(2, ModelConfig::default());
    let frames: Vec<_> = (0..(RING_SIZE as u32 * 12 + 7)).map(|i| frame(i, 0)).collect();
    run(&model, &mut pipeline, &mut cross, 0, &frames);
    assert_eq!(model.transmitted(1), frames);
}

#[test]
fn output_selection_drop_multicast_and_hairpin() {
    let (model, mut pipeline) = setup(4, ModelConfig::default());
    // byte 18: 0 drop, 1 to port 2, 2 to ports 1+2+3, 3 back out of the input.
    let mut nf = |input: PortId, frame: &mut Frame<'_>| match frame.data()[18] {
        0 => Outputs::DROP,
        1 => Outputs::port(2),
        2 => Outputs::from_bits(0b1110),
        _ => Outputs::port(input),
    };
    let frames: Vec<_> = (0..400).map(|i| frame(i, (i % 4) as u8)).collect();
    run(&model, &mut pipeline, &mut nf, 0, &frames);
    let with = |routes: &[u8]| frames.iter().filter(|f| routes.contains(&f[18])).cloned().collect::<Vec<_>>();
    assert_eq!(model.transmitted(0), with(&[3]), "hairpin");
    assert_eq!(model.transmitted(1), with(&[2]));
    assert_eq!(model.transmitted(2), with(&[1, 2]));
    assert_eq!(model.transmitted(3), with(&[2]));
    assert_eq!(pipeline.stats()[0].nf_dropped, 100);
}

#[test]
fn nf_rewrites_reach_the_wire() {
    let (model, mut pipeline) = setup(2, ModelConfig::default());
    let mut nf = |_: PortId, frame: &mut Frame<'_>| {
        frame.data_mut()[0] = 0xaa;
        frame.truncate(50);
        Outputs::port(1)
    };
    run(&model, &mut pipeline, &mut nf, 0, &[frame(7, 0)]);
    let sent = model.transmitted(1);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].len(), 50);
    assert_eq!(sent[0][0], 0xaa);
    assert_eq!(&sent[0][1..50], &frame(7, 0)[1..50]);
}

#[test]
fn overload_accounts_for_every_packet() {
    let (model, mut pipeline) = setup(2, ModelConfig::default());
    let mut nf =
        |_: PortId, frame: &mut Frame<'_>| if frame.data()[18] == 1 { Outputs::DROP } else { Outputs::port(1) };
    // A burst far larger than ring + packet buffer, before the driver runs.
    let frames: Vec<_> = (0..3000).map(|i| frame(i, (i % 5 == 0) as u8)).collect();
    let accepted = frames.iter().filter(|f| model.inject(0, f)).count();
    drain(&model, &mut pipeline, &mut nf);
    let stats = pipeline.stats();
    let sent = model.transmitted(1);
    let received = model.received(0);
    // The packet buffer overflowed (MPC), and what it held beyond the ring
    // was dropped for lack of descriptors (QPRDC, SRRCTL.DROP_EN).
    assert!(accepted < 3000, "the burst must overflow the packet buffer");
    assert!(received.len() < accepted, "the ring must overflow");
    assert_eq!(received[..], frames[..received.len()], "received in order, from the first");
    assert_eq!(stats[0].rx_packets, received.len() as u64);
    assert_eq!(stats[0].missed, 3000 - received.len() as u64, "MPC + QPRDC");
    assert_eq!(stats[0].rx_packets, sent.len() as u64 + stats[0].nf_dropped);
    // What went out is exactly the non-dropped frames that were received, in order.
    let expected: Vec<_> = received.iter().filter(|f| f[18] == 0).cloned().collect();
    assert_eq!(sent, expected);
}

#[test]
fn reset_that_never_completes_fails_init_naming_the_step() {
    let memory = Arc::new(DmaMemory::simulated(4096, PHYS));
    let model = Model::new(1, &memory, ModelConfig { reset_never_completes: true, ..ModelConfig::default() });
    let start = Instant::now();
    let error = Device::init_with(model.registers(0), quick()).err().expect("init must fail");
    assert!(matches!(error, DriverError::Timeout { step: "finish global reset", .. }), "{error}");
    assert!(error.to_string().contains("4.6.3.2"));
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn link_that_never_comes_up_fails_init_naming_the_step() {
    let memory = Arc::new(DmaMemory::simulated(4096, PHYS));
    let model = Model::new(1, &memory, ModelConfig { link_never_up: true, ..ModelConfig::default() });
    let error = Device::init_with(model.registers(0), quick()).err().expect("init must fail");
    assert_eq!(error.to_string(), "82599 did not bring the link up within 50 ms (datasheet 4.6.4)");
}

#[test]
fn vanished_device_is_reported_not_waited_for() {
    let memory = Arc::new(DmaMemory::simulated(4096, PHYS));
    let model = Model::new(1, &memory, ModelConfig::default());
    model.vanish(0);
    let error = Device::init_with(model.registers(0), quick()).err().expect("init must fail");
    assert!(matches!(error, DriverError::Vanished { .. }));

    let (model, mut pipeline) = setup(2, ModelConfig::default());
    model.vanish(1);
    // Idle polls check now and then, not every time (a register read is slow).
    let error = (0..VANISH_CHECK_PERIOD)
        .find_map(|_| pipeline.poll(&mut cross).err())
        .expect("an idle poll notices within one check period");
    assert!(error.to_string().contains("port 1 vanished"), "{error}");
}

#[test]
fn the_model_catches_a_tail_write_on_a_disabled_queue() {
    let memory = Arc::new(DmaMemory::simulated(4096, PHYS));
    let model = Model::new(1, &memory, ModelConfig::default());
    let device = Device::init_with(model.registers(0), quick()).expect("init");
    let _ = device;
    model.registers(0).write(RDT.at(0), 5);
    let violations = model.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("RDT written while receive queue 0 is disabled"));
}

#[test]
fn threaded_model_backend_forwards_every_generated_frame() {
    use nfc_runtime::model::{ModelBackend, TrafficConfig};
    let traffic = TrafficConfig {
        ports: 2,
        frame_sizes: vec![60, 1514, 200],
        packets_per_port: Some(20_000),
        threaded: true,
        ..TrafficConfig::default()
    };
    let mut backend = ModelBackend::new(traffic).expect("init on the model");
    let mut nf = cross;
    let start = Instant::now();
    while !backend.finished() {
        backend.poll(&mut nf).expect("poll");
        assert!(start.elapsed() < Duration::from_secs(60), "the run must end");
    }
    let stats = backend.stats();
    for port in &stats {
        assert_eq!(port.rx_packets + port.missed, 20_000);
    }
    assert_eq!(stats[0].tx_packets, stats[1].rx_packets, "port 0 sends what port 1 received");
    assert_eq!(stats[1].tx_packets, stats[0].rx_packets);
}

/// Frames longer than one receive buffer (2 KiB, SRRCTL.BSIZEPACKET) never
/// reach the NF: the device drops them and counts them as missed, and the
/// frames around them go through untouched and in order.
#[test]
fn frames_larger_than_the_buffer_are_missed_not_delivered() {
    let (model, mut pipeline) = setup(2, ModelConfig::default());
    let sizes = [60, 2048, 2049, 9000, 64, 65535, 1514];
    let frames: Vec<Vec<u8>> = sizes
        .iter()
        .enumerate()
        .map(|(i, &size)| {
            let mut f = frame(i as u32, 0);
            f.resize(size, 0xab);
            f
        })
        .collect();
    run(&model, &mut pipeline, &mut cross, 0, &frames);
    let delivered: Vec<_> = frames.iter().filter(|f| f.len() <= 2048).cloned().collect();
    assert_eq!(model.transmitted(1), delivered);
    let stats = pipeline.stats();
    assert_eq!(stats[0].rx_packets, 4);
    assert_eq!(stats[0].missed, 3);
}

/// Every transmit queue's head write-back address is 16-byte aligned (the
/// 82599 ignores others) and on a 64-byte cache line of its own, whatever
/// the number of ports.
#[test]
fn every_head_write_back_slot_is_its_own_aligned_cache_line() {
    for ports in [2, 3, 4] {
        let (model, _pipeline) = setup(ports, ModelConfig::default());
        let mut lines = std::collections::HashSet::new();
        for port in 0..ports {
            for queue in 0..ports as u32 {
                let low = model.registers(port).read(TDWBAL.at(queue));
                assert!(tdwbal::HEAD_WB_EN.is_set(low), "port {port} queue {queue}: head write-back off");
                let address = u64::from(low & !0b11) | u64::from(model.registers(port).read(TDWBAH.at(queue))) << 32;
                assert_eq!(address % 64, 0, "port {port} queue {queue}: {address:#x}");
                assert!(lines.insert(address / 64), "port {port} queue {queue} shares a cache line");
            }
        }
    }
}

/// The model's rule: a head write-back address that is not 16-byte aligned
/// is a violation, and the model then never writes the head back, as the
/// card does (TinyNF found this on real 82599s).
#[test]
fn the_model_ignores_and_reports_a_misaligned_head_write_back_address() {
    let (model, mut pipeline) = setup(2, ModelConfig::default());
    // Port 1's frames leave through port 0's transmit queue 1: move its
    // head write-back 8 bytes along.
    let regs = model.registers(0);
    let low = regs.read(TDWBAL.at(1));
    regs.write(TDWBAL.at(1), ((low & !0b11) + 8) | 1);
    let violations = model.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("is not 16-byte aligned"), "{violations:?}");
    let frames: Vec<_> = (0..(RING_SIZE as u32 * 2)).map(|i| frame(i, 0)).collect();
    for chunk in frames.chunks(32) {
        for f in chunk {
            model.inject(1, f);
        }
        for _ in 0..4 {
            model.step();
            pipeline.poll(&mut cross).expect("poll");
            model.step();
        }
    }
    // The head is never written back, so the agent never gets a buffer
    // back: port 1 forwards one ring's worth (all descriptors but one) and
    // then nothing.
    assert_eq!(model.transmitted(0).len(), RING_SIZE - 1);
}

/// DCA_TXCTRL comes out of reset with relaxed ordering of head write-back on
/// (8.2.3.11.2); the driver clears it on every transmit queue it uses.
#[test]
fn head_write_back_relaxed_ordering_is_on_after_reset_and_off_on_every_queue() {
    let memory = Arc::new(DmaMemory::simulated(4096, PHYS));
    let fresh = Model::new(1, &memory, ModelConfig::default());
    assert_eq!(fresh.registers(0).read(DCA_TXCTRL.at(5)), dca_txctrl::RESET);
    assert!(dca_txctrl::TX_DESC_WB_RO_EN.is_set(dca_txctrl::RESET));
    let (model, _pipeline) = setup(3, ModelConfig::default());
    for port in 0..3 {
        for queue in 0..3 {
            let value = model.registers(port).read(DCA_TXCTRL.at(queue));
            assert!(!dca_txctrl::TX_DESC_WB_RO_EN.is_set(value), "port {port} queue {queue}: {value:#x}");
        }
    }
}

/// With relaxed ordering on, the model lands each head write-back's
/// predecessor after it, so the agent reads heads that go backwards. The
/// agent must ignore a head outside the range it can legally be in: port 0
/// still forwards every frame, in order, and RDT never moves backwards.
#[test]
fn out_of_order_head_write_backs_are_ignored() {
    let (model, mut pipeline) = setup(2, ModelConfig::default());
    // Port 0's frames leave through port 1's transmit queue 0.
    model.registers(1).set_bits(DCA_TXCTRL.at(0), dca_txctrl::TX_DESC_WB_RO_EN);
    let frames: Vec<_> = (0..(RING_SIZE as u32 * 12 + 7)).map(|i| frame(i, 0)).collect();
    let mut sent = Vec::new();
    for chunk in frames.chunks(48) {
        for f in chunk {
            model.inject(0, f);
        }
        for _ in 0..12 {
            model.step();
            pipeline.poll(&mut cross).expect("poll");
            model.step();
        }
        sent.extend(model.transmitted(1));
    }
    let violations = model.violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(violations[0].contains("relaxed ordering"), "{violations:?}");
    assert_eq!(sent.len(), frames.len());
    assert!(sent == frames, "frames lost, duplicated or reordered");
}

/// The model's rule: RDT may only move forward (7.1.9).
#[test]
fn the_model_reports_rdt_moving_backwards() {
    let (model, _pipeline) = setup(1, ModelConfig::default());
    let regs = model.registers(0);
    let tail = regs.read(RDT.at(0));
    regs.write(RDT.at(0), tail - 10);
    let violations = model.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("RDT moved backwards"), "{violations:?}");
}

/// Dropping the pipeline (any way a run ends) stops every port before the
/// DMA memory goes: receive off, queues disabled, master disable. Frames
/// that arrive afterwards are never written anywhere; a device left running
/// would DMA into the released memory, which the model reports.
#[test]
fn dropping_the_pipeline_stops_every_port_before_its_memory_goes() {
    let (model, mut pipeline) = setup(2, ModelConfig::default());
    let frames: Vec<_> = (0..300).map(|i| frame(i, 0)).collect();
    run(&model, &mut pipeline, &mut cross, 0, &frames);
    // Frames waiting in the device when the run ends.
    for f in &frames[..20] {
        model.inject(1, f);
    }
    drop(pipeline);
    for port in 0..2 {
        let regs = model.registers(port);
        assert!(!rxctrl::RXEN.is_set(regs.read(RXCTRL)), "port {port}: receive still on");
        assert!(!rxdctl::ENABLE.is_set(regs.read(RXDCTL.at(0))), "port {port}: receive queue still on");
        for queue in 0..2 {
            assert!(!txdctl::ENABLE.is_set(regs.read(TXDCTL.at(queue))), "port {port}: transmit queue {queue} on");
        }
        assert!(ctrl::MASTER_DISABLE.is_set(regs.read(CTRL)), "port {port}: still a bus master");
        assert!(!status::MASTER_ENABLE_STATUS.is_set(regs.read(STATUS)), "port {port}: master requests pending");
    }
    for f in &frames[20..40] {
        model.inject(0, f);
        model.inject(1, f);
    }
    model.step();
    assert_eq!(model.violations(), Vec::<String>::new());
}

/// The model's rule alone: a device still receiving when the driver's DMA
/// memory is released is a violation (and the frame goes nowhere).
#[test]
fn the_model_reports_dma_after_the_memory_is_released() {
    // The receive queue is set up by hand, as a driver that never stops
    // its device would leave it, and the memory released under it.
    let memory = Arc::new(DmaMemory::simulated(Pipeline::<ModelRegisters>::dma_bytes(1), PHYS));
    let model = Model::new(1, &memory, ModelConfig::default());
    let device = Device::init_with(model.registers(0), quick()).expect("init");
    let regs = model.registers(0);
    regs.write(RDBAL.at(0), PHYS as u32);
    regs.write(RDBAH.at(0), (PHYS >> 32) as u32);
    regs.write(RDLEN.at(0), (RING_SIZE * 16) as u32);
    regs.write(SRRCTL.at(0), 2);
    regs.clear_bits(DCA_RXCTRL.at(0), dca_rxctrl::RESERVED_12);
    regs.set_bits(RXDCTL.at(0), rxdctl::ENABLE);
    regs.write(RDT.at(0), RING_SIZE as u32 - 1);
    regs.set_bits(RXCTRL, rxctrl::RXEN);
    std::mem::forget(device);
    drop(memory);
    model.inject(0, &frame(1, 0));
    model.step();
    let violations = model.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("after the driver released its DMA memory"), "{violations:?}");
}

/// DCA_RXCTRL bit 12 resets to 1 but is reserved and must be 0 (8.2.3.11.1,
/// 4.6.7): the driver clears it before enabling the receive queue, and the
/// model reports a queue enabled with it set.
#[test]
fn dca_rxctrl_reserved_bit_12_is_cleared_before_receive_is_enabled() {
    let memory = Arc::new(DmaMemory::simulated(4096, PHYS));
    let fresh = Model::new(1, &memory, ModelConfig::default());
    assert_eq!(fresh.registers(0).read(DCA_RXCTRL.at(0)), dca_rxctrl::RESET);
    let (model, _pipeline) = setup(2, ModelConfig::default());
    for port in 0..2 {
        let value = model.registers(port).read(DCA_RXCTRL.at(0));
        assert!(!dca_rxctrl::RESERVED_12.is_set(value), "port {port}: {value:#x}");
        assert_eq!(value | dca_rxctrl::RESERVED_12.mask(), dca_rxctrl::RESET, "only bit 12 changes");
    }
}

/// The model's counters: a full packet buffer misses frames (MPC); with
/// SRRCTL.DROP_EN, which the driver sets, frames that find the ring full
/// are dropped and counted per queue (QPRDC), not in MPC.
#[test]
fn ring_full_drops_count_in_qprdc_and_packet_buffer_overflow_in_mpc() {
    let config = ModelConfig::default();
    let (model, _pipeline) = setup(1, config);
    for i in 0..600 {
        model.inject(0, &frame(i, 0));
    }
    model.step();
    let regs = model.registers(0);
    let ring = RING_SIZE as u32 - 1;
    assert_eq!(regs.read(MPC.at(0)), 600 - config.rx_fifo_frames as u32);
    assert_eq!(regs.read(QPRDC.at(0)), config.rx_fifo_frames as u32 - ring);
    assert_eq!(model.received(0).len(), ring as usize);
    assert_eq!((regs.read(MPC.at(0)), regs.read(QPRDC.at(0))), (0, 0), "clear on read");
}

/// The model is an SFP+ 82599: its link comes up in 10 GbE serial mode only
/// (AUTOC.LMS = 011b), the mode the driver sets; any other is a violation.
#[test]
fn the_models_link_comes_up_only_in_10g_serial_mode() {
    let (model, _pipeline) = setup(1, ModelConfig::default());
    assert_eq!(autoc::LMS.get(model.registers(0).read(AUTOC)), autoc::LMS_10G_SERIAL);
    let kx4_kx_kr = autoc::LMS.set(0, 0b100) | autoc::RESTART_AN.mask();
    model.registers(0).write(AUTOC, kx4_kx_kr);
    let violations = model.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("AUTOC.LMS = 100"), "{violations:?}");
}

/// Idle polls read STATUS (the vanished-device check) once per
/// VANISH_CHECK_PERIOD, not each time: an uncached register read costs
/// about a microsecond.
#[test]
fn idle_polls_rarely_read_the_status_register() {
    let (model, mut pipeline) = setup(2, ModelConfig::default());
    let before = model.status_reads(0);
    let polls = 10 * VANISH_CHECK_PERIOD;
    for _ in 0..polls {
        assert_eq!(pipeline.poll(&mut cross).expect("poll"), 0);
    }
    let reads = model.status_reads(0) - before;
    assert_eq!(u64::from(polls / VANISH_CHECK_PERIOD), reads, "{reads} STATUS reads in {polls} idle polls");
}

/// The transmit prefetch thresholds TinyNF needed for 10 Gb/s (PTHRESH 60,
/// HTHRESH 4) and FCRTH[0].RTH (the packet buffer less 0x6000 bytes, set
/// even without flow control) are programmed; the model reports a queue
/// enabled without prefetch and receive enabled without a high-water mark.
#[test]
fn prefetch_and_flow_control_thresholds_are_set() {
    let (model, _pipeline) = setup(2, ModelConfig::default());
    let regs = model.registers(0);
    for queue in 0..2 {
        let value = regs.read(TXDCTL.at(queue));
        assert_eq!((txdctl::PTHRESH.get(value), txdctl::HTHRESH.get(value)), (60, 4), "queue {queue}");
    }
    assert_eq!(regs.read(FCRTH.at(0)), 512 * 1024 - 0x6000);
    assert_eq!(fcrth::RTH.get(regs.read(FCRTH.at(0))), (512 * 1024 - 0x6000) / 32);
    // The model rules: a queue enabled without prefetch, receive without FCRTH.
    regs.write(TXDCTL.at(1), txdctl::ENABLE.mask());
    regs.write(FCRTH.at(0), 0);
    regs.write(RXCTRL, rxctrl::RXEN.mask());
    let violations = model.violations();
    assert_eq!(violations.len(), 2, "{violations:#?}");
    assert!(violations[0].contains("TXDCTL.PTHRESH = 0"), "{violations:?}");
    assert!(violations[1].contains("FCRTH[0].RTH = 0"), "{violations:?}");
}

/// Reset rules: the master disable algorithm before CTRL.RST (4.2.1.6.1,
/// 5.2.5.3.2), and no register access for about 1 ms after it (8.2.3.1.1):
/// the model's reset completes only then. The driver keeps both (`setup`
/// finds no violation); a driver that does not is caught.
#[test]
fn reset_waits_for_master_disable_and_the_reset_delay() {
    let (_model, _pipeline) = setup(1, ModelConfig::default());

    let memory = Arc::new(DmaMemory::simulated(4096, PHYS));
    let model = Model::new(1, &memory, ModelConfig::default());
    let regs = model.registers(0);
    regs.write(CTRL, ctrl::RST.mask());
    assert!(ctrl::RST.is_set(regs.read(CTRL)), "a reset is not done at once");
    let violations = model.violations();
    assert_eq!(violations.len(), 2, "{violations:#?}");
    assert!(violations[0].contains("still a bus master"), "{violations:?}");
    assert!(violations[1].contains("wait about 1 ms"), "{violations:?}");
    std::thread::sleep(Duration::from_millis(2));
    assert!(!ctrl::RST.is_set(regs.read(CTRL)), "done after the datasheet's delay");
}

/// The driver's layout: legacy descriptors (7.1.5, 7.2.3.2.2), the one
/// format in which the device leaves the buffer address of a receive
/// descriptor alone, so the receive ring can be a transmit ring and nothing
/// is re-armed. The model implements that format only: enabling receive
/// with another SRRCTL.DESCTYPE is a violation.
#[test]
fn the_model_refuses_receive_with_advanced_descriptors() {
    let (model, _pipeline) = setup(1, ModelConfig::default());
    let regs = model.registers(0);
    regs.write(RXDCTL.at(0), 0);
    regs.write(SRRCTL.at(0), srrctl::DESCTYPE.set(regs.read(SRRCTL.at(0)), 0b001));
    regs.write(RXDCTL.at(0), rxdctl::ENABLE.mask());
    let violations = model.violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(violations[0].contains("SRRCTL.DESCTYPE = 001"), "{violations:?}");
}

/// Port 0's frame, crossed to port 1, with its transmit descriptor's command
/// word changed by `tamper` after the driver wrote it and before the model
/// sends it; returns the violations.
fn transmit_tampered(tamper: impl Fn(u64) -> u64) -> Vec<String> {
    let memory = Arc::new(DmaMemory::simulated(Pipeline::<ModelRegisters>::dma_bytes(2), PHYS));
    let model = Model::new(2, &memory, ModelConfig::default());
    let devices = (0..2).map(|p| Device::init_with(model.registers(p), quick()).expect("init")).collect();
    let mut pipeline = Pipeline::new(devices, Arc::clone(&memory)).expect("pipeline");
    assert!(model.inject(0, &frame(1, 0)));
    model.step();
    assert_eq!(pipeline.poll(&mut cross).expect("poll"), 1);
    // Port 1's transmit queue 0 carries input 0's frames; descriptor 0.
    let regs = model.registers(1);
    let ring = u64::from(regs.read(TDBAL.at(0))) | u64::from(regs.read(TDBAH.at(0))) << 32;
    let command = &memory.words(memory.offset_of(ring, 16).expect("ring in DMA memory"), 2)[1];
    command.store(tamper(command.load(Ordering::Acquire)), Ordering::Release);
    model.step();
    model.violations()
}

/// The transmit side of the layout: a one-buffer legacy descriptor (DEXT 0,
/// EOP) with no offload the model does not implement, and IFCS whenever
/// HLREG0.TXPADEN pads short frames (7.2.3.2.2). The driver's descriptors
/// pass (`transmit_tampered(identity)`); each change is caught.
#[test]
fn the_model_accepts_only_one_buffer_legacy_transmit_descriptors_with_ifcs() {
    assert_eq!(transmit_tampered(|command| command), Vec::<String>::new());
    let advanced = transmit_tampered(|command| command | 1 << 29);
    assert!(advanced.iter().any(|v| v.contains("not a one-buffer legacy descriptor")), "{advanced:?}");
    let no_eop = transmit_tampered(|command| command & !(1 << 24));
    assert!(no_eop.iter().any(|v| v.contains("not a one-buffer legacy descriptor")), "{no_eop:?}");
    let vlan_insert = transmit_tampered(|command| command | 1 << 30);
    assert!(vlan_insert.iter().any(|v| v.contains("with no offload")), "{vlan_insert:?}");
    let no_fcs = transmit_tampered(|command| command & !(1 << 25));
    assert!(no_fcs.iter().any(|v| v.contains("without IFCS")), "{no_fcs:?}");
}

/// The model's rule for the shared buffers: the device must not receive into
/// a buffer a transmit descriptor handed over (TDT) has yet to send from.
/// Here descriptor 5 of port 0's receive ring, which is also its transmit
/// queue 0, is queued for transmit while the device still owns it.
#[test]
fn the_model_reports_a_receive_into_a_buffer_still_queued_for_transmit() {
    let memory = Arc::new(DmaMemory::simulated(Pipeline::<ModelRegisters>::dma_bytes(1), PHYS));
    let model = Model::new(1, &memory, ModelConfig::default());
    let device = Device::init_with(model.registers(0), quick()).expect("init");
    let _pipeline = Pipeline::new(vec![device], Arc::clone(&memory)).expect("pipeline");
    let regs = model.registers(0);
    let ring = u64::from(regs.read(TDBAL.at(0))) | u64::from(regs.read(TDBAH.at(0))) << 32;
    assert_eq!(ring, u64::from(regs.read(RDBAL.at(0))) | u64::from(regs.read(RDBAH.at(0))) << 32);
    for index in 0..6u64 {
        let words = memory.words(memory.offset_of(ring + index * 16, 16).expect("ring in DMA memory"), 2);
        let length = if index == 5 { 60 } else { 0 };
        words[1].store(length | 1 << 24 | 1 << 25, Ordering::Release);
    }
    regs.write(TDT.at(0), 6);
    assert_eq!(model.violations(), Vec::<String>::new());
    for seq in 0..6 {
        assert!(model.inject(0, &frame(seq, 0)));
    }
    model.step();
    let violations = model.violations();
    assert!(
        violations.iter().any(|v| v.contains("receive descriptor 5 handed to the device while its buffer")),
        "{violations:#?}"
    );
    assert!(!violations.iter().any(|v| v.contains("receive descriptor 4 ")), "{violations:#?}");
}
