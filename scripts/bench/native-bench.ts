// `quip bench`'s native figures: the firmware measured inside quip-host, the native board host,
// next to the WebAssembly figures of the same run. Parser and media loops run in quip-host's engine
// (`--run`, linux-x64 and qemu-emulated linux-armhf); boot-to-registered, a call's CPU and resident
// memory are measured on whole phone processes, and on the emulator the same way.
import { spawnSync } from 'node:child_process';
import { findDisagreements } from './run.ts';
import type { BenchReport } from './run.ts';
import { BenchError } from './run.ts';
import { ARMHF_NOTE, armhfHost, binarySizes, ensureX64Host, nativeBenchScript, runNativeEngine, scriptFile } from './native.ts';
import type { NativeEngineRun, NativeHost } from './native.ts';
import { EMULATOR, PhoneLab, buildImage } from './native-phones.ts';
import type { BootFigure, CallFigure } from './native-phones.ts';
import { WORKLOAD, toBinaryString } from './workload.ts';

export interface NativeOptions {
  seconds: number;
  repeats: number;
  /** Length of the measured window of each call (0: no call figures). */
  callSeconds: number;
  /** Run the parser/media loops in quip-host (needs quip's parser in the run). */
  engine: boolean;
  log: (line: string) => void;
  /** Skip every native figure, for this reason (fields null). */
  skip?: string | null;
}

export interface NativeReport {
  native_parse_msgs_per_s: number | null;
  /** native_parse_msgs_per_s / the wasm keys-only figure of the same workload (call-mix) and run. */
  native_ratio_vs_wasm: number | null;
  native_armhf_parse_msgs_per_s: number | null;
  native_armhf_ratio_vs_wasm: number | null;
  native_armhf_note: string;
  native_rtp_packetize_per_s: number | null;
  native_g711_encode_samples_per_s: number | null;
  /** The in-engine full-duplex frame loop (as call_cpu_percent), in quip-host's engine. */
  native_media_call_cpu_percent: number | null;
  native_armhf_rtp_packetize_per_s: number | null;
  native_armhf_g711_encode_samples_per_s: number | null;
  native_armhf_media_call_cpu_percent: number | null;
  /** One quip-host phone process in a call with media through the lab: CPU time / wall time, % of one core. */
  native_call_cpu_percent: number | null;
  native_call_vm_hwm_bytes: number | null;
  native_call_vm_rss_bytes: number | null;
  /** The same call with two emulator phones (`quip emulate`), measured the same way. */
  emulator_call_cpu_percent: number | null;
  emulator_call_vm_hwm_bytes: number | null;
  emulator_call_vm_rss_bytes: number | null;
  /** Spawn → 'registered' (median): quip-host with a JavaScript image, with a bytecode image, the emulator. */
  native_boot_to_registered_ms: number | null;
  native_bytecode_boot_to_registered_ms: number | null;
  emulator_boot_to_registered_ms: number | null;
  /** Size of dist/host/<target>/quip-host[.exe]; null when that target is not built. */
  native_binary_bytes: Record<string, number | null>;
  native: {
    version: string | null;
    engine_runs: NativeEngineRun[];
    boot: BootFigure[];
    calls: CallFigure[];
    skipped: string[];
    notes: string[];
  };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a != null && b != null && b > 0 ? round3(a / b) : null;

export async function runNativeBench(wasm: BenchReport, o: NativeOptions): Promise<NativeReport> {
  // Native runs the call-mix keys-only loop (WORKLOAD): compare with the wasm figure of that work.
  const wasmKeys = wasm.workloads['call-mix']?.parse_keys_msgs_per_s ?? wasm.parse_keys_msgs_per_s;
  const skipped: string[] = [];
  const notes: string[] = [
    "quip-host --run evaluates the bench script in the host's QuickJS C engine (QuickJS 2021-03-27, -O2) " +
      'with no heap limit; the wasm figures run quickjs-emscripten with a 32 MiB heap limit. Same adapter, harness, ' +
      'calibration (scripts/bench/measure.ts) and workload; clock: quip-host now() (monotonic).',
    'native_call_cpu_percent / emulator_call_cpu_percent: (utime + stime) of each phone process from /proc/<pid>/stat ' +
      'over the window of a connected call (alice calls bob through the lab, G.711 RTP both ways, WAV microphones), ' +
      'as percent of one core, mean of the two phones; memory is VmHWM/VmRSS from /proc/<pid>/status at the end of ' +
      "the window (largest of the two). call_cpu_percent is the in-engine frame loop only, not a process's cost.",
    'boot_to_registered: spawn of the phone process until its "registered" event, lab server in the bench process, ' +
      'median of the runs; the emulator (`node scripts/quip.mjs emulate`) boots the same JavaScript image.',
  ];
  const sizes = binarySizes();
  for (const t of sizes.missing) skipped.push(`native_binary_bytes.${t}: dist/host/${t}/quip-host${t === 'win32' ? '.exe' : ''} is not built`);

  const report: NativeReport = {
    native_parse_msgs_per_s: null,
    native_ratio_vs_wasm: null,
    native_armhf_parse_msgs_per_s: null,
    native_armhf_ratio_vs_wasm: null,
    native_armhf_note: ARMHF_NOTE,
    native_rtp_packetize_per_s: null,
    native_g711_encode_samples_per_s: null,
    native_media_call_cpu_percent: null,
    native_armhf_rtp_packetize_per_s: null,
    native_armhf_g711_encode_samples_per_s: null,
    native_armhf_media_call_cpu_percent: null,
    native_call_cpu_percent: null,
    native_call_vm_hwm_bytes: null,
    native_call_vm_rss_bytes: null,
    emulator_call_cpu_percent: null,
    emulator_call_vm_hwm_bytes: null,
    emulator_call_vm_rss_bytes: null,
    native_boot_to_registered_ms: null,
    native_bytecode_boot_to_registered_ms: null,
    emulator_boot_to_registered_ms: null,
    native_binary_bytes: sizes.sizes,
    native: { version: null, engine_runs: [], boot: [], calls: [], skipped, notes },
  };

  if (o.skip) {
    skipped.push(`all native figures: ${o.skip}`);
    return report;
  }
  const x64 = await ensureX64Host(o.log);
  if (typeof x64 === 'string') {
    skipped.push(`all native figures: ${x64}`);
    report.native_binary_bytes = binarySizes().sizes;
    return report;
  }
  report.native_binary_bytes = binarySizes().sizes; // the host may just have been built
  const v = spawnSync(x64.binary, ['--version'], { encoding: 'utf8' });
  report.native.version = v.status === 0 ? v.stdout.trim() : null;

  // 1. The parser and media loops inside quip-host's engine.
  if (!o.engine) {
    skipped.push("native parse/media: quip's parser is not in this run (--only)");
  } else {
    const texts = WORKLOAD.map((m) => m.text);
    const script = scriptFile(
      await nativeBenchScript({ inputs: JSON.stringify(texts.map(toBinaryString)), messages: texts.length, seconds: o.seconds, repeats: o.repeats, media: true }),
    );
    try {
      const armhf = armhfHost();
      if (typeof armhf === 'string') skipped.push(`native_armhf_*: ${armhf}`);
      for (const host of [x64, ...(typeof armhf === 'string' ? [] : [armhf])] as NativeHost[]) {
        o.log(`native: quip's parser and media loops inside quip-host ${host.target}${host.emulated ? ' (under qemu-arm)' : ''}`);
        let run: NativeEngineRun;
        try {
          run = await runNativeEngine(host, script.file, o.seconds);
        } catch (err) {
          throw new BenchError(`native ${host.target}: ${err instanceof Error ? err.message : String(err)}`);
        }
        const problems = findDisagreements(WORKLOAD, new Map([[`quip@${host.target}`, run.keys]]));
        if (problems.length > 0) throw new BenchError(`quip-host ${host.target} extracts wrong transaction keys:\n  ${problems.join('\n  ')}`);
        report.native.engine_runs.push(run);
        o.log(`native ${host.target}: parse ${run.parse.median.toLocaleString('en-US')} msgs/s` + (host.emulated ? ` (${ARMHF_NOTE})` : ''));
        const m = run.media;
        if (host.target === 'linux-x64') {
          report.native_parse_msgs_per_s = run.parse.median;
          report.native_ratio_vs_wasm = ratio(run.parse.median, wasmKeys);
          report.native_rtp_packetize_per_s = m?.rtp_packetize_per_s ?? null;
          report.native_g711_encode_samples_per_s = m?.g711_encode_samples_per_s ?? null;
          report.native_media_call_cpu_percent = m?.call_cpu_percent ?? null;
        } else {
          report.native_armhf_parse_msgs_per_s = run.parse.median;
          report.native_armhf_ratio_vs_wasm = ratio(run.parse.median, wasmKeys);
          report.native_armhf_rtp_packetize_per_s = m?.rtp_packetize_per_s ?? null;
          report.native_armhf_g711_encode_samples_per_s = m?.g711_encode_samples_per_s ?? null;
          report.native_armhf_media_call_cpu_percent = m?.call_cpu_percent ?? null;
        }
      }
    } finally {
      script.remove();
    }
  }

  // 2. Whole phones: boot to registered, and a call.
  if (process.platform !== 'linux') {
    skipped.push('boot and call figures: /proc is Linux only');
    return report;
  }
  const lab = await PhoneLab.start();
  try {
    const jsImage = lab.file('desk6.qfw');
    const bytecodeImage = lab.file('desk6-native.qfw');
    o.log('native: building desk6 images (quip build --board desk6 [--native])');
    try {
      buildImage('desk6', false, jsImage);
      buildImage('desk6', true, bytecodeImage);
    } catch (err) {
      throw new BenchError(err instanceof Error ? err.message : String(err));
    }
    const host = { name: 'quip-host linux-x64', command: [x64.binary] };
    const runs = Math.max(1, o.repeats);
    const phoneStep = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
      o.log(`native: ${what}`);
      try {
        return await f();
      } catch (err) {
        throw new BenchError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const bootJs = await phoneStep(`boot to registered, quip-host + JavaScript image (${runs} runs)`, () => lab.bootToRegistered(host, jsImage, 'javascript', runs));
    const bootBc = await phoneStep(`boot to registered, quip-host + bytecode image (${runs} runs)`, () => lab.bootToRegistered(host, bytecodeImage, 'bytecode', runs));
    const bootEmu = await phoneStep(`boot to registered, emulator + JavaScript image (${runs} runs)`, () => lab.bootToRegistered(EMULATOR, jsImage, 'javascript', runs));
    report.native.boot.push(bootJs, bootBc, bootEmu);
    report.native_boot_to_registered_ms = bootJs.median_ms;
    report.native_bytecode_boot_to_registered_ms = bootBc.median_ms;
    report.emulator_boot_to_registered_ms = bootEmu.median_ms;
    o.log(`native: boot to registered ${bootJs.median_ms} ms (JavaScript image), ${bootBc.median_ms} ms (bytecode); emulator ${bootEmu.median_ms} ms`);

    if (o.callSeconds <= 0) {
      skipped.push('call figures: --call-seconds 0');
    } else {
      const nativeCall = await phoneStep(`a call between two quip-host phones, ${o.callSeconds} s measured`, () => lab.call(host, jsImage, 'javascript', o.callSeconds));
      const emuCall = await phoneStep(`the same call between two emulator phones, ${o.callSeconds} s measured`, () => lab.call(EMULATOR, jsImage, 'javascript', o.callSeconds));
      report.native.calls.push(nativeCall, emuCall);
      report.native_call_cpu_percent = nativeCall.cpu_percent_per_phone;
      report.native_call_vm_hwm_bytes = nativeCall.vm_hwm_bytes;
      report.native_call_vm_rss_bytes = nativeCall.vm_rss_bytes;
      report.emulator_call_cpu_percent = emuCall.cpu_percent_per_phone;
      report.emulator_call_vm_hwm_bytes = emuCall.vm_hwm_bytes;
      report.emulator_call_vm_rss_bytes = emuCall.vm_rss_bytes;
      o.log(`native: call ${nativeCall.cpu_percent_per_phone} % of a core per phone (emulator ${emuCall.cpu_percent_per_phone} %)`);
    }
  } finally {
    await lab.close();
  }
  return report;
}
