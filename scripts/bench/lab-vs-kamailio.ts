// The lab server against Kamailio, on this machine in the same run, under the same SIPp load:
// digest REGISTER, and INVITE → 200 → ACK → BYE calls proxied from a SIPp UAC to a registered
// SIPp UAS, each at rising rates (doubling) for a fixed time per step until a step fails. A
// step is sustained when no call failed, the p99 response time is under 50 ms and SIPp reached
// at least 90 % of the rate. Figures: the highest sustained rate per server and scenario and
// the ratio lab / Kamailio (reported, never asserted); details: the load curves.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startLabServer } from '../../server/lab-server.ts';
import type { LabLimits } from '../../server/lab-server.ts';
import { validateUsers } from '../../server/users.ts';
import { freePort } from '../local-programs.ts';
import { ratioOf } from './figures.ts';
import type { Figure } from './figures.ts';
import { startBenchKamailio } from './kamailio-server.ts';
import { findSipp, runSippStep, sippVersion, summarizeRtts } from './sipp-load.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const P99_LIMIT_MS = 50;

export interface LabVsKamailioOptions {
  /** Seconds per load step (the issue: 30); 0 skips the comparison. */
  stepSeconds: number;
  /** First rate of each ramp, per second (default START_RATE: registrations 100, calls 25). */
  startRate?: number;
  /** Highest rate tried (default 12800). */
  maxRate?: number;
  /** Kamailio UDP workers (default 1: one core each, like the lab's one Node thread). */
  kamailioChildren?: number;
  users?: number;
  /** The lab's limits (default its shipped ones: 4096 live transactions, which an answered
   *  call holds for 32 s after its 200 and BYE, RFC 6026 Timer L/M and Timer J/K). */
  labLimits?: Partial<LabLimits>;
  log?: (line: string) => void;
}

export interface LoadStep {
  rate: number;
  achieved_per_s: number;
  successful: number;
  failed: number;
  retransmissions: number;
  p50_ms: number;
  p99_ms: number;
  sustained: boolean;
}

export interface LabVsKamailioDetails {
  step_seconds: number;
  sipp: string | null;
  kamailio: string | null;
  kamailio_children: number;
  p99_limit_ms: number;
  /** server → scenario → the steps in order, for the report's charts. */
  curves: Record<'lab' | 'kamailio', Record<'register' | 'call', LoadStep[]>>;
  notes: string[];
}

type Server = 'lab' | 'kamailio';
type Scenario = 'register' | 'call';

/** Calls start lower: the lab's shipped table of 4096 live transactions holds an answered
 *  call's INVITE and BYE transactions for 32 s each, so it cannot sustain 100 calls/s for 30 s. */
const START_RATE: Record<Scenario, number> = { register: 100, call: 25 };

export async function runLabVsKamailio(o: LabVsKamailioOptions): Promise<{ figures: Figure[]; details: LabVsKamailioDetails }> {
  const startRate = (scenario: Scenario): number => o.startRate ?? START_RATE[scenario];
  const log = o.log ?? (() => {});
  const children = o.kamailioChildren ?? 1;
  const details: LabVsKamailioDetails = {
    step_seconds: o.stepSeconds, sipp: null, kamailio: null, kamailio_children: children, p99_limit_ms: P99_LIMIT_MS,
    curves: { lab: { register: [], call: [] }, kamailio: { register: [], call: [] } }, notes: [],
  };
  const max: Record<Server, Record<Scenario, number | null>> = { lab: { register: null, call: null }, kamailio: { register: null, call: null } };
  const sipp = findSipp();
  if (o.stepSeconds <= 0) details.notes.push('skipped (--load-seconds 0)');
  else if (sipp === null) details.notes.push('sipp is not installed (Debian package sip-tester)');
  else {
    details.sipp = sippVersion(sipp);
    const dir = mkdtempSync(path.join(tmpdir(), 'quip-bench-lvk-'));
    try {
      const users = writeUsers(dir, o.users ?? 1000);
      for (const f of ['sipp-register.xml', 'sipp-register-uas.xml', 'sipp-call-uac.xml', 'sipp-call-uas.xml']) copyFileSync(path.join(HERE, f), path.join(dir, f));
      // One server at a time, a fresh one for each ramp: no scenario inherits another's
      // backlog (an overloaded last step leaves transactions and retransmissions behind).
      const labUsers = validateUsers({ users }, 'bench users');
      const start = async (server: Server): Promise<{ port: number; stop(): Promise<void> }> => {
        if (server === 'lab') {
          const lab = await startLabServer({ port: 0, users: labUsers, digestAlgorithms: ['MD5'], log: () => {}, ...(o.labLimits ? { limits: o.labLimits } : {}) });
          return { port: lab.port, stop: async () => lab.close() };
        }
        const kam = await startBenchKamailio(users, children);
        details.kamailio = `Kamailio ${kam.version}`;
        return kam;
      };
      for (const server of ['lab', 'kamailio'] as const) {
        for (const scenario of ['register', 'call'] as const) {
          let running: { port: number; stop(): Promise<void> } | null = null;
          try {
            running = await start(server);
            max[server][scenario] = await (scenario === 'register' ? registerRamp : callRamp)(server, `127.0.0.1:${running.port}`);
          } catch (e) {
            details.notes.push(`${server} ${scenario}: ${(e as Error).message}`);
          } finally {
            await running?.stop();
          }
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    function registerRamp(server: Server, remote: string): Promise<number | null> {
      return ramp(server, 'register', (rate) =>
        runSippStep({ sipp: sipp!, cwd: dir, scenario: path.join(dir, 'sipp-register.xml'), remote, rate, seconds: o.stepSeconds, args: ['-inf', path.join(dir, 'users.csv')], log }));
    }

    async function callRamp(server: Server, remote: string): Promise<number | null> {
      // The callee: a SIPp UAS on a port first used to register "callee", so the binding's
      // Contact and its source address agree (the lab sends to the source, Kamailio to the Contact).
      const uasPort = await freePort();
      const reg = await runSippStep({
        sipp: sipp!, cwd: dir, scenario: path.join(dir, 'sipp-register-uas.xml'), remote, rate: 1, seconds: 1, localPort: uasPort,
        args: ['-inf', path.join(dir, 'callee.csv'), '-key', 'uas_port', String(uasPort)], log,
      });
      if (reg.successful !== 1) throw new Error('the callee did not register');
      const uas = spawn(sipp!, ['-sf', path.join(dir, 'sipp-call-uas.xml'), '-i', '127.0.0.1', '-p', String(uasPort), '-nostdin', '-fd', '1'], { cwd: dir, stdio: 'ignore' });
      try {
        await new Promise((r) => setTimeout(r, 300)); // its socket is bound
        return await ramp(server, 'call', (rate) =>
          runSippStep({ sipp: sipp!, cwd: dir, scenario: path.join(dir, 'sipp-call-uac.xml'), remote, rate, seconds: o.stepSeconds, args: ['-s', 'callee'], log }));
      } finally {
        uas.kill('SIGKILL');
      }
    }

    /** Doubles the rate until a step is not sustained; the last sustained rate, or null. */
    async function ramp(server: Server, scenario: Scenario, step: (rate: number) => ReturnType<typeof runSippStep>): Promise<number | null> {
      let best: number | null = null;
      for (let rate = startRate(scenario); rate <= (o.maxRate ?? 12_800); rate *= 2) {
        const r = await step(rate);
        const ms = summarizeRtts(r.rtts);
        const achieved = Math.round((r.successful / r.elapsed) * 10) / 10;
        const sustained = r.failed === 0 && r.successful > 0 && ms.p99 < P99_LIMIT_MS && achieved >= 0.9 * rate;
        details.curves[server][scenario].push({
          rate, achieved_per_s: achieved, successful: r.successful, failed: r.failed, retransmissions: r.retransmissions, p50_ms: ms.p50, p99_ms: ms.p99, sustained,
        });
        log(`${server} ${scenario} ${rate}/s: ${achieved}/s, ${r.failed} failed, p99 ${ms.p99} ms${sustained ? '' : ' — not sustained'}`);
        if (!sustained) break;
        best = rate;
      }
      return best;
    }
  }

  const why = details.notes.join('; ') || undefined;
  const fig = (field: string, label: string, server: Server, scenario: Scenario, unit: string): Figure => ({
    field, label, value: max[server][scenario], unit,
    ...(max[server][scenario] === null ? { note: why ?? `no step sustained (the first at ${startRate(scenario)}/s failed)` } : {}),
  });
  const ratio = (scenario: Scenario, field: string, label: string): Figure => ({
    field, label, value: ratioOf(max.lab[scenario], max.kamailio[scenario]), unit: '×',
    peer: { name: details.kamailio ?? 'Kamailio', value: max.kamailio[scenario] },
    note: `highest rate sustained ${o.stepSeconds} s with 0 failed and p99 < ${P99_LIMIT_MS} ms, lab / Kamailio (rates double per step)`,
  });
  const figures: Figure[] = [
    fig('lab_register_max_rate', 'lab: digest REGISTER, max sustained rate', 'lab', 'register', 'registrations/s'),
    fig('kamailio_register_max_rate', 'Kamailio: digest REGISTER, max sustained rate', 'kamailio', 'register', 'registrations/s'),
    ratio('register', 'register_ratio_vs_kamailio', 'REGISTER rate, lab / Kamailio'),
    fig('lab_call_max_rate', 'lab: proxied calls, max sustained rate', 'lab', 'call', 'calls/s'),
    fig('kamailio_call_max_rate', 'Kamailio: proxied calls, max sustained rate', 'kamailio', 'call', 'calls/s'),
    ratio('call', 'call_ratio_vs_kamailio', 'call rate, lab / Kamailio'),
  ];
  return { figures, details };
}

/** The same generated users for both servers, SIPp's injection CSV, and the callee's. */
function writeUsers(dir: string, count: number): Array<{ user: string; password: string }> {
  const users = Array.from({ length: count }, (_, i) => ({ user: `load${String(i).padStart(5, '0')}`, password: randomBytes(6).toString('hex') }));
  const callee = { user: 'callee', password: randomBytes(6).toString('hex') };
  const csv = (list: typeof users): string => ['SEQUENTIAL', ...list.map((u) => `${u.user};[authentication username=${u.user} password=${u.password}]`)].join('\n') + '\n';
  writeFileSync(path.join(dir, 'users.csv'), csv(users));
  writeFileSync(path.join(dir, 'callee.csv'), csv([callee]));
  return [...users, callee];
}
