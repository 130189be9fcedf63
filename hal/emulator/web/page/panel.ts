// The developer's side panel for one phone: registration state, the SIP ladder of the current
// call (each message expands to its full text), RTP statistics as a small live chart, and
// the event log.

import type { ControlEventJson, SipEntry } from '../protocol.ts';
import { clockTime, h } from './dom.ts';

const MAX_LOG = 200;
const MAX_LADDER = 200;
const CHART_POINTS = 40;

interface StatsPoint {
  received: number;
  lost: number;
  jitter: number;
}

export class DevPanel {
  readonly root: HTMLElement;
  private readonly registration: HTMLElement;
  private readonly ladder: HTMLOListElement;
  private readonly ladderNote: HTMLElement;
  private readonly showAll: HTMLInputElement;
  private readonly log: HTMLOListElement;
  private readonly chart: HTMLCanvasElement;
  private readonly statsText: HTMLElement;
  private readonly sip: SipEntry[] = [];
  private readonly stats: StatsPoint[] = [];
  private callId: string | null = null;
  private lastReceived = 0;

  constructor(index: number) {
    const id = (s: string): string => `p${index}-${s}`;
    this.registration = h('p', { class: 'registration', role: 'status', 'data-state': 'unknown' }, 'not registered yet');
    this.showAll = h('input', { type: 'checkbox', id: id('all') });
    this.showAll.addEventListener('change', () => this.renderLadder());
    this.ladderNote = h('p', { class: 'note' }, 'No call yet.');
    this.ladder = h('ol', { class: 'ladder', 'aria-label': 'SIP messages' });
    this.chart = h('canvas', { class: 'chart', width: 300, height: 90, role: 'img', 'aria-label': 'RTP chart: packets received per report, packets lost, jitter' });
    this.statsText = h('p', { class: 'stats', role: 'status' }, 'No media yet.');
    this.log = h('ol', { class: 'log', 'aria-label': 'Event log' });
    const section = (title: string, ...body: Node[]): HTMLElement => h('details', { open: true }, h('summary', {}, title), ...body);
    this.root = h('aside', { class: 'panel', 'aria-label': `Developer panel for phone ${index + 1}` },
      section('Registration', this.registration),
      section('SIP ladder',
        h('label', { class: 'toggle' }, this.showAll, ' all SIP messages, not only the current call'),
        h('div', { class: 'ladder-head', 'aria-hidden': 'true' }, h('span', {}, 'phone'), h('span', {}, 'network')),
        this.ladderNote, this.ladder),
      section('RTP', this.chart,
        h('p', { class: 'legend' }, h('span', { class: 'rx' }, '■ received/report'), ' ', h('span', { class: 'lost' }, '■ lost'), ' ', h('span', { class: 'jit' }, '■ jitter ms')),
        this.statsText),
      section('Event log', this.log),
    );
    this.drawChart();
  }

  event(e: ControlEventJson): void {
    switch (e.event) {
      case 'registered':
        this.setRegistration('registered', `Registered: ${String(e.aor)} (expires ${String(e.expires)} s)`);
        break;
      case 'registration_failed':
        this.setRegistration('failed', `Registration failed: ${String(e.status ?? '')} ${String(e.reason ?? '')}`.trim());
        break;
      case 'registrar_lost':
        this.setRegistration('lost', `Registrar lost: ${String(e.server ?? '')} ${String(e.reason ?? '')}`.trim());
        break;
      case 'boot':
      case 'reboot':
        this.setRegistration('unknown', 'not registered yet');
        break;
      case 'incoming':
      case 'call_state':
        if (typeof e.call_id === 'string' && e.call_id !== this.callId) {
          this.callId = e.call_id;
          if (!this.showAll.checked) this.renderLadder();
        }
        break;
      case 'media_stats':
        this.onStats(e);
        break;
    }
    if (e.event !== 'display') this.logLine(e);
  }

  sipMessage(entry: SipEntry): void {
    if (this.sip.some((s) => s.seq === entry.seq)) return; // replayed after a reconnect
    this.sip.push(entry);
    if (this.sip.length > 1000) this.sip.shift();
    // A new INVITE from this phone is the next call's first message: follow it at once.
    if (entry.direction === 'out' && entry.firstLine.startsWith('INVITE ') && entry.callId !== this.callId && !this.hasTag(entry)) {
      this.callId = entry.callId;
      this.renderLadder();
      return;
    }
    if (this.visible(entry)) {
      this.ladder.append(this.ladderItem(entry));
      while (this.ladder.children.length > MAX_LADDER) this.ladder.firstElementChild!.remove();
      this.ladderNote.hidden = true;
    }
  }

  private hasTag(entry: SipEntry): boolean {
    const to = /^(?:to|t)[ \t]*:([^\r\n]*)/im.exec(entry.text);
    return to !== null && /;\s*tag=/i.test(to[1]!);
  }

  private visible(entry: SipEntry): boolean {
    return this.showAll.checked || (this.callId !== null && entry.callId === this.callId);
  }

  private renderLadder(): void {
    const shown = this.sip.filter((s) => this.visible(s)).slice(-MAX_LADDER);
    this.ladder.replaceChildren(...shown.map((s) => this.ladderItem(s)));
    this.ladderNote.hidden = shown.length > 0;
  }

  private ladderItem(s: SipEntry): HTMLLIElement {
    const out = s.direction === 'out';
    const label = shortLine(s.firstLine);
    return h('li', { class: `sip ${s.direction}`, 'data-first-line': s.firstLine },
      h('details', {},
        h('summary', { 'aria-label': `${out ? 'sent' : 'received'} ${label} ${out ? 'to' : 'from'} ${s.peer}` },
          h('time', {}, clockTime(s.time)),
          h('span', { class: 'arrow', 'aria-hidden': 'true' }, out ? '──▶' : '◀──'),
          h('span', { class: 'what' }, label),
          h('span', { class: 'peer' }, `${s.transport} ${s.peer}`)),
        h('pre', { class: 'sip-text' }, s.text)));
  }

  private setRegistration(state: string, text: string): void {
    this.registration.dataset.state = state;
    this.registration.textContent = text;
  }

  private onStats(e: ControlEventJson): void {
    const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    const received = num(e.received);
    // A new call starts counting from zero again.
    const delta = received >= this.lastReceived ? received - this.lastReceived : received;
    this.lastReceived = received;
    this.stats.push({ received: delta, lost: num(e.lost), jitter: num(e.jitter_ms) });
    if (this.stats.length > CHART_POINTS) this.stats.shift();
    this.statsText.textContent = `sent ${num(e.sent)}, received ${received}, lost ${num(e.lost)}, late ${num(e.late)}, ` +
      `concealed ${num(e.concealed)}, jitter ${num(e.jitter_ms).toFixed(1)} ms` + (typeof e.rtt_ms === 'number' ? `, RTT ${e.rtt_ms.toFixed(1)} ms` : '');
    this.drawChart();
  }

  private drawChart(): void {
    const ctx = this.chart.getContext('2d');
    if (ctx === null) return;
    const { width, height } = this.chart;
    ctx.clearRect(0, 0, width, height);
    ctx.strokeStyle = '#d0d4da';
    ctx.strokeRect(0.5, 0.5, width - 1, height - 1);
    const series: Array<[keyof StatsPoint, string]> = [['received', '#2b7a3d'], ['lost', '#c0392b'], ['jitter', '#2d5fb8']];
    for (const [field, color] of series) {
      const values = this.stats.map((p) => p[field]);
      if (values.length === 0) continue;
      const max = Math.max(1, ...values);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      values.forEach((v, i) => {
        const x = 4 + (i * (width - 8)) / (CHART_POINTS - 1);
        const y = height - 4 - (v / max) * (height - 8);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
      // Dots too, so the first report (one point, no line yet) already shows.
      ctx.fillStyle = color;
      values.forEach((v, i) => {
        const x = 4 + (i * (width - 8)) / (CHART_POINTS - 1);
        ctx.fillRect(x - 2, height - 4 - (v / max) * (height - 8) - 2, 4, 4);
      });
    }
  }

  private logLine(e: ControlEventJson): void {
    const { event, ...rest } = e;
    const detail = JSON.stringify(rest);
    this.log.append(h('li', { 'data-event': event }, h('time', {}, clockTime(Date.now())), ' ', h('b', {}, event), ' ', detail === '{}' ? '' : detail));
    while (this.log.children.length > MAX_LOG) this.log.firstElementChild!.remove();
    this.log.scrollTop = this.log.scrollHeight;
  }
}

/** "INVITE sip:2002@host SIP/2.0" → "INVITE sip:2002@host"; "SIP/2.0 180 Ringing" → "180 Ringing". */
function shortLine(line: string): string {
  if (line.startsWith('SIP/2.0 ')) return line.slice(8);
  return line.replace(/ SIP\/2\.0$/, '');
}
