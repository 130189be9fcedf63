// The parts of the bench that report in their own shapes (the parser run's extra figures, the
// native run, the fixed-rate SIPp load) turned into Figures, so the table, the JSON and the
// report render every part the same way.
import { ratioOf } from './figures.ts';
import type { Figure } from './figures.ts';
import type { NativeReport } from './native-bench.ts';
import type { BenchReport } from './run.ts';
import type { SippLoadReport } from './sipp-load.ts';

type Fig = Omit<Figure, 'value'> & { value: number | null | undefined };

/** Figures with `value` null when unmeasured and the ratio to the peer derived, not restated. */
function figures(list: Fig[]): Figure[] {
  return list.map((f) => {
    const value = f.value ?? null;
    return { ...f, value, ...(f.peer ? { ratio: ratioOf(value, f.peer.value) } : {}) };
  });
}

/** Serializer, bundle size and the robustness figures of the parser run. */
export function robustnessFigures(r: BenchReport): Figure[] {
  return figures([
    { field: 'serialize_msgs_per_s', label: 'serialize (msgs/s)', value: r.serialize_msgs_per_s, unit: 'msgs/s', note: 'SIP.js and JsSIP have no serializer for parsed messages' },
    { field: 'sip_sdp_core_min_bytes', label: 'SIP + SDP core, minified', value: r.sip_sdp_core_min_bytes, unit: 'bytes' },
    { field: 'parse_mutant_max_ms', label: 'slowest mutated message (parse + every accessor)', value: r.parse_mutant_max_ms, unit: 'ms' },
    { field: 'parse_mutant_mean_ms', label: 'mean mutated message', value: r.parse_mutant_mean_ms, unit: 'ms' },
    { field: 'digit_map_match_per_s', label: 'hostile dial plans matched', value: r.digit_map_match_per_s, unit: '/s' },
    { field: 'emulator_audio_frames_per_s', label: "emulator's audio frame clock (nominal 50)", value: r.emulator_audio_frames_per_s, unit: 'frames/s' },
    { field: 'emulator_audio_frame_late_ms_max', label: 'worst audio frame lag', value: r.emulator_audio_frame_late_ms_max, unit: 'ms' },
  ]);
}

/** quip-host's figures beside the WebAssembly engine's. */
export function nativeFigures(n: NativeReport): Figure[] {
  const skipped = n.native.skipped.join('; ') || undefined;
  const withNote = (f: Fig): Fig => (f.value === null || f.value === undefined ? { ...f, ...(skipped ? { note: skipped } : {}) } : f);
  return figures(
    [
      { field: 'native_parse_msgs_per_s', label: 'parse, keys only, in quip-host linux-x64', value: n.native_parse_msgs_per_s, unit: 'msgs/s' },
      { field: 'native_ratio_vs_wasm', label: 'quip-host / WebAssembly QuickJS, parse', value: n.native_ratio_vs_wasm, unit: 'x' },
      { field: 'native_armhf_parse_msgs_per_s', label: 'parse in quip-host armhf (qemu: not a board)', value: n.native_armhf_parse_msgs_per_s, unit: 'msgs/s' },
      { field: 'native_media_call_cpu_percent', label: 'bare media loop of a call, quip-host x64', value: n.native_media_call_cpu_percent, unit: '%' },
      {
        field: 'native_call_cpu_percent',
        label: 'one phone process in a call, quip-host',
        value: n.native_call_cpu_percent,
        unit: '%',
        peer: { name: 'emulator process', value: n.emulator_call_cpu_percent },
      },
      { field: 'native_call_vm_hwm_bytes', label: 'quip-host phone in a call, VmHWM', value: n.native_call_vm_hwm_bytes, unit: 'bytes', peer: { name: 'emulator', value: n.emulator_call_vm_hwm_bytes } },
      {
        field: 'native_boot_to_registered_ms',
        label: 'spawn → registered, quip-host (JavaScript image)',
        value: n.native_boot_to_registered_ms,
        unit: 'ms',
        peer: { name: 'emulator process', value: n.emulator_boot_to_registered_ms },
      },
      { field: 'native_bytecode_boot_to_registered_ms', label: 'spawn → registered, quip-host (bytecode image)', value: n.native_bytecode_boot_to_registered_ms, unit: 'ms' },
    ].map(withNote),
  );
}

/** The fixed-rate SIPp registration load on the lab (--sipp-seconds). */
export function sippFigures(s: SippLoadReport): Figure[] {
  return [
    { field: 'sipp_load.achieved_registrations_per_s', label: `SIPp digest registrations on the lab (asked ${s.target_registrations_per_s}/s)`, value: s.achieved_registrations_per_s, unit: '/s' },
    { field: 'sipp_load.failed', label: 'failed registrations', value: s.failed, unit: '', target: { op: '<=', value: 0 } },
    { field: 'sipp_load.response_ms.p99', label: 'registration time p99', value: s.response_ms.p99, unit: 'ms', target: { op: '<=', value: 50 } },
  ];
}

/** One JSON field per figure; dotted names (`call-mix.…`, `sipp_load.…`) stay only in the `figures` list. */
export function figureFields(list: readonly Figure[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const f of list) if (!f.field.includes('.')) out[f.field] = f.value;
  return out;
}
