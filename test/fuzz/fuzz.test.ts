// The fuzzing harness (quip fuzz): a short pass over every kind inside QuickJS must find
// nothing; the mutation engine must be diverse and reproducible; and the harness must notice
// a crash, a hang and memory exhaustion, so it can never pass silently.
import test from 'ava';
import { runFuzz, generateInputs } from '../../scripts/fuzz/campaign.ts';
import type { FuzzReport } from '../../scripts/fuzz/campaign.ts';
import { runFuzzParallel } from '../../scripts/fuzz/parallel.ts';
import { SELFTEST_TARGET } from '../../scripts/fuzz/bundle-target.ts';
import { fromBase64 } from '../../scripts/fuzz/findings.ts';
import { formatReport } from '../../scripts/fuzz/format.ts';
import { FUZZ_KINDS } from '../../scripts/fuzz/kinds.ts';
import { runFuzzCli } from '../../scripts/fuzz.ts';
import { parseMessage } from '../../firmware/sip/index.ts';

const CRASH = 'INVITE sip:a@b SIP/2.0\r\nSubject: FUZZ-SELFTEST-CRASH\r\n\r\n';
const HANG = 'v=0\r\ns=FUZZ-SELFTEST-HANG\r\n';
const OOM = '\x80\x00FUZZ-SELFTEST-OOM';

function failures(r: FuzzReport): string {
  return r.findings.map((f) => `${f.type} ${f.kind} ${f.name}: ${f.message}\n${f.sourceStack ?? f.stack}\n${f.kind}:${f.inputBase64}`).join('\n\n');
}

test('a short pass (20,000 inputs) over every kind finds no crash, invariant violation, hang or memory exhaustion', async (t) => {
  t.timeout(180_000);
  const r = await runFuzz({ count: 20_000, seed: 1 });
  t.log(`${r.inputs} inputs in ${r.seconds.toFixed(1)} s, ${Math.round(r.vmInputsPerSecond)} inputs/s inside QuickJS`);
  t.is(r.inputs, 20_000);
  t.is(r.crashes, 0, failures(r));
  t.is(r.invariantViolations, 0, failures(r));
  t.is(r.hangs, 0, failures(r));
  t.is(r.outOfMemory, 0, failures(r));
  t.true(r.passed);
  for (const kind of FUZZ_KINDS) {
    const s = r.kinds[kind]!;
    t.true(s.inputs > 0, kind);
    // Mutants that still parse reach the deep code; mutants that fail exercise the refusals.
    t.true(s.accepted > s.inputs * 0.05, `${kind}: ${s.accepted} of ${s.inputs} accepted`);
    t.true(s.rejected > s.inputs * 0.05, `${kind}: ${s.rejected} of ${s.inputs} rejected`);
  }
});

test('the mutation engine produces diverse inputs, including oversize ones', (t) => {
  for (const kind of FUZZ_KINDS) {
    const inputs = generateInputs(kind, 2000, 5);
    t.true(new Set(inputs).size > 0.9 * inputs.length, `${kind}: ${new Set(inputs).size} distinct of 2000`);
    t.true(inputs.some((s) => s.length > 16 * 1024), `${kind}: no oversize input`);
    t.true(inputs.some((s) => s.length < 64), `${kind}: no short input`);
    t.true(inputs.every((s) => s.length <= 70 * 1024 && !/[^\x00-\xff]/.test(s)), `${kind}: inputs are byte strings up to 70 KB`);
  }
  const sip = generateInputs('sip', 2000, 5);
  let accepted = 0;
  for (const s of sip) {
    try {
      parseMessage(s);
      accepted++;
    } catch {
      // refused
    }
  }
  t.true(accepted > 100 && accepted < 1900, `the SIP parser accepted ${accepted} of 2000`);
  for (const needle of ['\0', '\r\n ', '\xff', '%', '99999999999']) t.true(sip.some((s) => s.includes(needle)), JSON.stringify(needle));
});

test('the same seed gives the same inputs, another seed others', (t) => {
  for (const kind of FUZZ_KINDS) {
    const a = generateInputs(kind, 300, 42);
    t.deepEqual(generateInputs(kind, 300, 42), a, kind);
    const b = generateInputs(kind, 300, 43);
    t.true(a.filter((s, i) => s !== b[i]).length > 250, kind);
  }
});

test('the harness reports an exception as a crash, with a TypeScript stack and the reproducer', async (t) => {
  const r = await runFuzz({ count: 200, targetEntry: SELFTEST_TARGET, extraInputs: [{ kind: 'sip', input: CRASH }] });
  t.false(r.passed);
  t.is(r.crashes, 1);
  const f = r.findings[0]!;
  t.like(f, { type: 'crash', kind: 'sip', name: 'TypeError', count: 1 });
  t.is(fromBase64(f.inputBase64), CRASH);
  t.regex(f.sourceStack ?? '', /selftest-target\.ts:\d+/);
  const text = formatReport(r);
  t.regex(text, /CRASH in sip: TypeError/);
  t.true(text.includes(`reproducer (sip, base64): ${f.inputBase64}`));
  t.regex(text, /FAIL/);
});

test('the harness bisects an endless loop out of a batch and reports it as a hang', async (t) => {
  const batch = Array.from({ length: 40 }, (_, i) => ({ kind: 'sdp' as const, input: i === 27 ? HANG : `v=0\r\ns=${i}\r\n` }));
  const r = await runFuzz({ count: 0, targetEntry: SELFTEST_TARGET, extraInputs: batch, limits: { watchdogMs: 150 } });
  t.is(r.hangs, 1);
  t.is(r.inputs, 40); // the other 39 still ran
  t.true(r.watchdogInterrupts >= 6); // one per bisection level
  t.like(r.findings[0], { type: 'hang', kind: 'sdp' });
  t.is(fromBase64(r.findings[0]!.inputBase64), HANG);
  t.false(r.passed);
});

test('the harness reports memory exhaustion', async (t) => {
  const r = await runFuzz({ count: 0, targetEntry: SELFTEST_TARGET, extraInputs: [{ kind: 'rtp', input: OOM }], limits: { heapBytes: 4 * 1024 * 1024 } });
  t.is(r.outOfMemory, 1);
  t.like(r.findings[0], { type: 'out-of-memory', kind: 'rtp' });
  t.false(r.passed);
});

test('parallel workers run exactly the inputs one thread runs', async (t) => {
  const one = await runFuzz({ count: 1500, seed: 9, batchSize: 200 });
  const two = await runFuzzParallel({ count: 1500, seed: 9, batchSize: 200, jobs: 2 });
  t.is(two.jobs, 2);
  t.deepEqual(
    FUZZ_KINDS.map((k) => [two.kinds[k]!.inputs, two.kinds[k]!.accepted, two.kinds[k]!.rejected]),
    FUZZ_KINDS.map((k) => [one.kinds[k]!.inputs, one.kinds[k]!.accepted, one.kinds[k]!.rejected]),
  );
});

test('quip fuzz --replay runs one input and prints the JSON report; bad options exit 2', async (t) => {
  const out: string[] = [];
  const io = { out: (s: string) => void out.push(s), err: () => {}, progress: false };
  const input = Buffer.from('OPTIONS sip:a@b SIP/2.0', 'latin1').toString('base64'); // no line end: refused
  t.is(await runFuzzCli(['--replay', `sip:${input}`, '--json'], io), 0);
  const report = JSON.parse(out.join('')) as FuzzReport;
  t.is(report.inputs, 1);
  t.is(report.kinds.sip!.rejected, 1);
  const stderr = process.stderr.write;
  process.stderr.write = () => true;
  try {
    t.is(await runFuzzCli(['--count', 'many'], io), 2);
    t.is(await runFuzzCli(['--kinds', 'sip,xml'], io), 2);
  } finally {
    process.stderr.write = stderr;
  }
  out.length = 0;
  t.is(await runFuzzCli(['--help'], io), 0);
  t.regex(out.join(''), /--count <n>[\s\S]*--seed <n>[\s\S]*--kinds <list>[\s\S]*--json/);
});

// Regression for a bug the fuzzer found: parseMessageSummary (firmware/ua/message-summary.ts)
// matched /^\s*Messages-Waiting\s*:…$/im; at every line start \s* ran over all the blank
// lines that followed, so a body of n blank lines cost O(n²). The UA parses the body of any
// NOTIFY with Event: message-summary (user-agent.ts → mwi.ts), even an unsolicited one, so
// one ~8 KB datagram kept the phone past its 1000 ms watchdog: a remote reboot.
test('regression: a NOTIFY whose message-summary body is blank lines finishes within the watchdog', async (t) => {
  const notify =
    'NOTIFY sip:alice@192.0.2.4 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK1\r\nMax-Forwards: 70\r\n' +
    'From: <sip:vm@example.com>;tag=1\r\nTo: <sip:alice@example.com>\r\nCall-ID: mwi1\r\nCSeq: 1 NOTIFY\r\n' +
    'Event: message-summary\r\nContent-Type: application/simple-message-summary\r\n\r\n' + '\r\n'.repeat(16000);
  const r = await runFuzz({ count: 0, extraInputs: [{ kind: 'sip', input: notify }] });
  t.is(r.hangs, 0, failures(r));
});

// Regression for a bug the fuzzer found: parseMessage (firmware/sip/parser.ts, HEADER_LINE_Y)
// matched each header line with /…[ \t]*:[ \t]*([^\r\n]*)\r?\n/y. When the line had no LF
// (the end of a datagram, or a bare CR inside it), [ \t]* and [^\r\n]* traded the whitespace
// after the colon back and forth: O(n²) backtracking. 10,000 tabs cost 1.5 s in QuickJS, so a
// single ~10 KB UDP datagram, before any header was looked at, rebooted the phone.
test('regression: a header line of whitespace without a line end parses within the watchdog', async (t) => {
  const datagram = 'OPTIONS sip:a@b SIP/2.0\r\nContent-Length: ' + '\t'.repeat(30000);
  const r = await runFuzz({ count: 0, extraInputs: [{ kind: 'sip', input: datagram }] });
  t.is(r.hangs, 0, failures(r));
});

// Firmware bug found by the fuzzer (seed 1, 1,000,000 inputs): StreamFramer's Content-Length
// scan (firmware/sip/stream-framer.ts:16, used at :79) is /^(?:content-length|l)[ \t]*:[ \t]*
// ([^\r\n]*?)[ \t]*\r?$/gim. In "Content-Length: 2<spaces>x" the lazy group and the [ \t]*
// after it split the spaces every possible way before failing at 'x': O(n²). 10,000 spaces
// take 2 s in QuickJS, so one ~10 KB header section on a TCP connection reboots the phone.
test('regression: a Content-Length line padded with spaces frames within the watchdog', async (t) => {
  const stream = 'OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 2' + ' '.repeat(30000) + 'x\r\n\r\n';
  const r = await runFuzz({ count: 0, extraInputs: [{ kind: 'stream', input: stream }] });
  t.is(r.hangs, 0, failures(r));
});
