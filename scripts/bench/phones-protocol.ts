// The messages between scripts/bench/phones.ts and its workers (scripts/bench/phones-worker.ts)
// over Node's IPC channel: the parent boots phones in a worker, drives them by index and reads
// the worker's resource use; the worker reports the events the bench waits for.

export interface PhoneSpec {
  /** Index of the phone in the whole bench (0..N-1). */
  index: number;
  /** sip:user:password@127.0.0.1:port */
  account: string;
  /** First of the phone's own 4 RTP/RTCP ports (2 pairs), so no two phones contend for ports. */
  rtpMin: number;
  /** What the microphone hears (looped). */
  micWav: string;
}

export type ToWorker =
  | { type: 'boot'; board: string; imageFile: string; phones: PhoneSpec[] }
  | { type: 'dial'; index: number; target: string }
  | { type: 'key'; index: number; key: string }
  | { type: 'usage' }
  | { type: 'quit' };

export interface WorkerUsage {
  /** process.cpuUsage() user + system, microseconds since the worker started. */
  cpu_us: number;
  rss_bytes: number;
  /** Sum of the phones' QuickJS heaps (FirmwareVm.memoryUsed). */
  vm_heap_bytes: number;
  phones: number;
}

export type FromWorker =
  | { type: 'booted'; index: number; ms: number }
  | { type: 'event'; index: number; event: { event: string; [k: string]: unknown } }
  | { type: 'usage'; usage: WorkerUsage }
  | { type: 'fatal'; message: string };

/** Events the parent waits for; the rest (display updates, logs) stay in the worker. */
export const FORWARDED_EVENTS: ReadonlySet<string> = new Set([
  'registered', 'registration_failed', 'incoming', 'call_state', 'call_failed', 'media_stats', 'error', 'watchdog', 'reboot',
]);
