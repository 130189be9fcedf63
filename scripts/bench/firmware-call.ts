// What one call really costs the phone: the real firmware bundle booted in the emulator's
// QuickJS runtime (FirmwareVm, the same VM bridge) on a stub board in this process, a call set
// up through its SIP stack to a scripted PBX, then N simulated seconds of call: every 20 ms an
// audio_frame event in and a G.711 RTP packet in, the phone's udpSend and audio.play out, RTCP
// on its 5 s schedule, the display's call timer. CPU = this process's CPU time
// (process.cpuUsage) per simulated second, as a percent of one core.

import { FIRMWARE_GLOBAL, bundleFirmware } from '../../build/build-firmware.ts';
import { loadBoardConfig, toBoardInfo } from '../../hal/board-config.ts';
import type { BoardInfo } from '../../hal/contract.ts';
import { CallHost } from './call-host.ts';
import { CallPeer, PBX, PEER_RTP_PORT, micFrames, rtpPackets } from './call-peer.ts';
import { ratioOf } from './figures.ts';
import type { Figure } from './figures.ts';
import { measureBareCallCpu } from './media.ts';

const FRAME_MS = 20;
const PHONE_ADDRESS = '10.0.0.2';
/** Simulated time the call runs before the clock starts: the jitter buffer settles, V8 tiers up the host side. */
const WARMUP_MS = 3000;
/** A call that sends or plays less than this share of 50 frames/s is broken, not cheap. */
const MIN_SHARE = 0.9;

export interface FirmwareCallOptions {
  /** Simulated seconds of call per timed run. */
  seconds: number;
  /** Timed runs; the lowest CPU share is kept. */
  repeats: number;
  /** The bare media harness figure when the caller has measured it already; measured here otherwise. */
  bareCallCpuPercent?: number | null;
  /** Board whose limits (heap, stack, watchdog) the VM gets. Default desk6. */
  board?: string;
  log?: (line: string) => void;
}

export interface FirmwareCallRun {
  simulated_s: number;
  cpu_ms: number;
  wall_ms: number;
  cpu_percent: number;
  frames: number;
  rtp_sent: number;
  rtp_received: number;
  rtcp_sent: number;
  plays: number;
}

export interface FirmwareCallDetails {
  board: string;
  bundle_bytes: number;
  runs: FirmwareCallRun[];
  /** Wall ms per simulated second by event type, VM boundary included (a separate, profiled run). */
  profile_ms_per_s: Record<string, { per_s: number; ms_per_s: number }>;
  /** The same run's HAL calls: how many per second and the host's wall ms in the call itself. */
  hal_calls_ms_per_s: Record<string, { per_s: number; ms_per_s: number }>;
  method: string;
}

/** Boots the phone, connects a call, times `seconds` of it `repeats` times. Throws when the call carries no media. */
export async function runFirmwareCallBench(o: FirmwareCallOptions): Promise<{ figures: Figure[]; details: FirmwareCallDetails }> {
  const log = o.log ?? (() => {});
  const boardName = o.board ?? 'desk6';
  const config = loadBoardConfig(boardName);
  const base = toBoardInfo(config);
  const board: BoardInfo = { ...base, accounts: [{ uri: `sip:alice@${PBX.address}`, password: 'secret' }], sip: { ...base.sip, port: 5060, transport: 'udp' } };
  const built = await bundleFirmware(); // the bundle an image carries
  const frames = Math.max(1, Math.round((o.seconds * 1000) / FRAME_MS));
  const session = await connectCall({ code: built.code, board, stackLimitBytes: config.memory.stackKB * 1024, watchdogMs: config.watchdogMs });
  const runs: FirmwareCallRun[] = [];
  let profile: FirmwareCallDetails['profile_ms_per_s'] = {};
  let halCalls: FirmwareCallDetails['hal_calls_ms_per_s'] = {};
  try {
    session.run(WARMUP_MS / FRAME_MS);
    for (let r = 0; r < Math.max(1, o.repeats); r++) runs.push(checked(session.run(frames)));
    session.host.profiling = true;
    const p = session.run(frames);
    const perS = (m: Map<string, { n: number; ms: number }>): FirmwareCallDetails['profile_ms_per_s'] =>
      Object.fromEntries([...m].map(([k, v]) => [k, { per_s: round(v.n / p.simulated_s, 1), ms_per_s: round(v.ms / p.simulated_s, 3) }]));
    profile = perS(session.host.profile);
    halCalls = perS(session.host.calls);
  } finally {
    session.host.dispose();
  }
  const best = runs.reduce((a, b) => (b.cpu_percent < a.cpu_percent ? b : a));
  const bare = o.bareCallCpuPercent !== undefined ? o.bareCallCpuPercent : round(await measureBareCallCpu(Math.min(o.seconds, 1), o.repeats), 3);
  log(`firmware call: ${best.cpu_percent} % of a core (bare media harness ${bare ?? 'n/a'} %), ${perSecond(best.rtp_sent, best)} RTP/s out, ${perSecond(best.rtp_received, best)} in, ${best.rtcp_sent} RTCP in ${best.simulated_s} s`);
  const figures: Figure[] = [
    {
      field: 'call_cpu_percent',
      label: 'one call, whole firmware in QuickJS (% of a core)',
      value: best.cpu_percent,
      unit: '%',
      peer: { name: 'bare media harness', value: bare },
      ratio: ratioOf(best.cpu_percent, bare),
      target: { op: '<=', value: 0.5 },
      note: 'real firmware bundle in the emulator runtime (FirmwareVm) on a stub HAL: per 20 ms an audio_frame and an RTP packet in, udpSend and audio.play out, RTCP every 5 s; process CPU time per simulated second, lowest of the runs; the stub\'s bookkeeping (prebuilt packets, counters) is not subtracted',
    },
    {
      field: 'bare_call_cpu_percent',
      label: 'one call, bare media harness in QuickJS (% of a core)',
      value: bare,
      unit: '%',
      note: 'encode + packetize + parse + jitter buffer + decode for both ends of a call, no VM boundary, SIP, RTCP or display',
    },
    { field: 'call_frames_per_s', label: 'audio frames handled (per s)', value: perSecond(best.frames, best), unit: '/s' },
    { field: 'call_rtp_sent_per_s', label: 'RTP packets sent (per s)', value: perSecond(best.rtp_sent, best), unit: '/s' },
    { field: 'call_rtp_received_per_s', label: 'RTP packets received (per s)', value: perSecond(best.rtp_received, best), unit: '/s' },
  ];
  return {
    figures,
    details: {
      board: boardName,
      bundle_bytes: built.bytes,
      runs,
      profile_ms_per_s: profile,
      hal_calls_ms_per_s: halCalls,
      method: 'registered and called a scripted PBX over the stub network, 3 s of warm-up, then timed runs of simulated call time',
    },
  };
}

interface CallSession {
  host: CallHost;
  /** Runs `frames` 20 ms frames of the connected call; the counts and CPU of that span. */
  run(frames: number): FirmwareCallRun;
}

async function connectCall(o: { code: string; board: BoardInfo; stackLimitBytes: number; watchdogMs: number }): Promise<CallSession> {
  let host: CallHost | null = null;
  // The PBX's answers wait for the phone's send to return (udpSend is called from inside the VM).
  const peer = new CallPeer((data, toPort) => host!.datagram(toPort, data, PBX.address, PBX.port));
  host = new CallHost({ code: o.code, globalName: FIRMWARE_GLOBAL, board: o.board, stackLimitBytes: o.stackLimitBytes, watchdogMs: o.watchdogMs, localAddress: PHONE_ADDRESS, onSend: peer.receive });
  await host.boot();
  const h = host;
  const until = (what: string, done: () => boolean, limitMs: number): void => {
    const end = h.now() + limitMs;
    while (!done()) {
      if (h.now() >= end) throw new Error(`firmware call bench: the phone was not ${what} within ${limitMs} ms of simulated time; last events ${JSON.stringify(h.events.slice(-3))}`);
      h.advanceTo(h.now() + 10);
    }
  };
  until('registered', () => h.events.some((e) => e.event === 'registered'), 10_000);
  h.deliver({ type: 'control', command: { dial: '2002' } });
  until('connected', () => h.events.some((e) => e.event === 'call_state' && e.state === 'connected') && peer.phoneRtpPort !== null, 10_000);
  const phonePort = peer.phoneRtpPort!;
  const mic = micFrames();
  let packets = rtpPackets(0);
  let sent = 0; // RTP packets the peer has sent so far
  return {
    host: h,
    run(frames: number): FirmwareCallRun {
      if (packets.length < sent + frames) packets = rtpPackets(sent + frames + 4 * 50); // built before the clock starts
      const before = { ...h.counts, ...peer.counts, t: h.now() };
      const cpu0 = process.cpuUsage();
      const wall0 = performance.now();
      for (let k = 0; k < frames; k++) {
        h.advanceTo(before.t + (k + 1) * FRAME_MS);
        h.datagram(phonePort, packets[sent++]!, PBX.address, PEER_RTP_PORT);
        h.audioFrame(mic[k & 3]!);
      }
      const wall = performance.now() - wall0;
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const simulatedS = (h.now() - before.t) / 1000;
      return {
        simulated_s: simulatedS,
        cpu_ms: round(cpuMs, 1),
        wall_ms: round(wall, 1),
        cpu_percent: round((cpuMs / (simulatedS * 1000)) * 100, 3),
        frames: h.counts.frames - before.frames,
        rtp_sent: peer.counts.rtp - before.rtp,
        rtp_received: frames,
        rtcp_sent: peer.counts.rtcp - before.rtcp,
        plays: h.counts.plays - before.plays,
      };
    },
  };
}

/** A call that sends no RTP, or plays nothing, fails the bench rather than looking cheap. */
function checked(r: FirmwareCallRun): FirmwareCallRun {
  const want = (r.simulated_s * 1000) / FRAME_MS;
  const short = (n: number): boolean => n < want * MIN_SHARE;
  if (short(r.frames) || short(r.rtp_sent) || short(r.plays)) {
    throw new Error(`firmware call bench: the call is not carrying media (in ${r.simulated_s} s: ${r.frames} frames, ${r.rtp_sent} RTP sent, ${r.plays} frames played; want ~${want} each)`);
  }
  if (r.simulated_s >= 5 && r.rtcp_sent < Math.floor(r.simulated_s / 5)) {
    throw new Error(`firmware call bench: ${r.rtcp_sent} RTCP reports in ${r.simulated_s} s (one per 5 s expected)`);
  }
  return r;
}

const perSecond = (n: number, r: FirmwareCallRun): number => round(n / r.simulated_s, 1);
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
