// Re-INVITEs from the far end (hold, resume, session refresh) on calls quip placed and calls it
// took, on simulated time: the whole firmware against a scripted PBX that is registrar, proxy
// and the other party at once. The call must stay up, and each 2xx must stop once ACKed.
// Also: hanging up stops the 2xx retransmissions, and ending a call cancels a 491 retry.
import test from 'ava';
import { SipMessage, createResponse, parseMessage, serializeMessage } from '../../firmware/sip/index.ts';
import { SimPhone } from '../helpers/sim-phone.ts';

const PBX = { address: '10.0.0.1', port: 5060 };
const PHONE_PORT = 5060;

function sdp(direction: string, version: number): string {
  return [
    'v=0', `o=pbx 1 ${version} IN IP4 10.0.0.1`, 's=-', 'c=IN IP4 10.0.0.1', 't=0 0',
    'm=audio 30000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', `a=${direction}`, '',
  ].join('\r\n');
}

interface Seen { msg: SipMessage; at: number }

/** Registrar + proxy + the other party in one scripted host. */
class Pbx {
  readonly requests: Seen[] = [];
  readonly responses: Seen[] = [];
  /** When we ACKed each of our INVITE CSeqs. */
  readonly acked = new Map<number, number>();
  /** Answer quip's INVITEs (on), or leave them ringing. */
  answerCalls = true;
  /** ACK our own re-INVITEs' 2xx (and their retransmissions). */
  ackOurs = true;
  /** Answer quip's re-INVITEs with 491 (glare) instead of 200. */
  glare = false;
  private dialog: { callId: string; local: string; remote: string; target: string; seq: number } | null = null;
  private branch = 0;
  phone!: SimPhone;

  readonly wire = (data: string, to: { address: string; port: number }, from: { address: string; port: number }): void => {
    if (to.address !== PBX.address || to.port !== PBX.port || data.trim() === '') return;
    const m = parseMessage(data);
    const at = this.phone.now();
    if (m.kind === 'response') {
      this.responses.push({ msg: m, at });
      const cseq = m.cseq()!;
      if (cseq.method === 'INVITE' && m.status >= 200 && m.status < 300 && this.ackOurs && this.dialog !== null) {
        if (!this.acked.has(cseq.seq)) this.acked.set(cseq.seq, at);
        this.send(this.request('ACK', cseq.seq));
      }
      return;
    }
    this.requests.push({ msg: m, at });
    if (m.method === 'ACK') return;
    const reply = (status: number, build?: (res: SipMessage) => void): void => {
      const res = createResponse(m, status, undefined, 'pbx-tag');
      build?.(res);
      this.phone.deliver(serializeMessage(res), PBX, from.port);
    };
    if (m.method === 'REGISTER') {
      return reply(200, (res) => res.add('Contact', `${m.get('Contact')!};expires=3600`));
    }
    if (m.method === 'INVITE' && !m.to()?.tag) {
      if (!this.answerCalls) return reply(180);
      this.dialog = { callId: m.callId()!, local: m.get('To')!, remote: m.get('From')!, target: m.contacts()[0]!.uriText, seq: 100 };
      this.dialog.local += ';tag=pbx-tag';
      return reply(200, (res) => {
        res.add('Contact', '<sip:2002@10.0.0.1:5060>');
        res.add('Content-Type', 'application/sdp');
        res.body = sdp('sendrecv', 1);
      });
    }
    if (m.method === 'INVITE' && this.glare) return reply(491);
    if (m.method === 'INVITE') {
      return reply(200, (res) => {
        res.add('Contact', '<sip:2002@10.0.0.1:5060>');
        res.add('Content-Type', 'application/sdp');
        res.body = sdp('sendrecv', 1);
      });
    }
    reply(m.method === 'SUBSCRIBE' ? 489 : 200);
  };

  /** A call from the PBX to the phone (quip's side of the dialog is then its To tag). */
  callPhone(): void {
    const callId = 'pbx-call-1@10.0.0.1';
    this.dialog = { callId, local: '<sip:2002@10.0.0.1>;tag=pbx-tag', remote: '<sip:alice@10.0.0.1>', target: `sip:alice@10.0.0.2:${PHONE_PORT}`, seq: 1 };
    const inv = this.request('INVITE', 1, sdp('sendrecv', 1));
    this.send(inv);
  }

  /** The phone's To tag arrives in its responses to our INVITE. */
  learnPhoneTag(): void {
    const res = this.responses.find((r) => r.msg.cseq()?.method === 'INVITE' && r.msg.to()?.tag);
    if (res !== undefined && this.dialog !== null && !this.dialog.remote.includes(';tag=')) {
      this.dialog.remote = `${this.dialog.remote};tag=${res.msg.to()!.tag}`;
    }
  }

  reinvite(direction: string, version: number): number {
    const seq = ++this.dialog!.seq;
    this.send(this.request('INVITE', seq, sdp(direction, version)));
    return seq;
  }

  /** 2xx responses from the phone to our INVITE with this CSeq, at or after `from`. */
  oks(seq: number, from = 0): Seen[] {
    return this.responses.filter((r) => r.at >= from && r.msg.status === 200 && r.msg.cseq()?.seq === seq && r.msg.cseq()?.method === 'INVITE');
  }

  requestsOf(method: string, from = 0): Seen[] {
    return this.requests.filter((r) => r.at >= from && r.msg.method === method);
  }

  private request(method: string, seq: number, body?: string): SipMessage {
    const d = this.dialog!;
    const req = SipMessage.request(method, d.target);
    req.add('Via', `SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-pbx-${++this.branch}`);
    req.add('Max-Forwards', '70');
    req.add('From', d.local);
    req.add('To', d.remote);
    req.add('Call-ID', d.callId);
    req.add('CSeq', `${seq} ${method}`);
    if (method === 'INVITE') req.add('Contact', '<sip:2002@10.0.0.1:5060>');
    if (body !== undefined) {
      req.add('Content-Type', 'application/sdp');
      req.body = body;
    }
    return req;
  }

  private send(req: SipMessage): void {
    this.phone.deliver(serializeMessage(req), PBX, PHONE_PORT);
  }
}

function setup(): { phone: SimPhone; pbx: Pbx } {
  const pbx = new Pbx();
  const board = SimPhone.board('desk6', { accounts: [{ uri: 'sip:alice@10.0.0.1', password: 'secret' }], sip: { port: PHONE_PORT, transport: 'udp' } });
  const phone = new SimPhone(board, pbx.wire);
  pbx.phone = phone;
  phone.boot();
  phone.advanceUntil(() => phone.events.some((e) => e.event === 'registered'), 5000);
  return { phone, pbx };
}

function callStates(phone: SimPhone, from = 0): string[] {
  return phone.events.slice(from).filter((e) => e.event === 'call_state').map((e) => String(e.state));
}

const lastState = (phone: SimPhone): string | undefined => callStates(phone).at(-1);

function outgoingCall(): { phone: SimPhone; pbx: Pbx } {
  const { phone, pbx } = setup();
  phone.control({ dial: '2002' });
  phone.advanceUntil(() => lastState(phone) === 'connected', 5000);
  return { phone, pbx };
}

function incomingCall(): { phone: SimPhone; pbx: Pbx } {
  const { phone, pbx } = setup();
  pbx.callPhone();
  phone.advanceUntil(() => phone.events.some((e) => e.event === 'incoming'), 5000);
  pbx.learnPhoneTag();
  phone.press('send');
  phone.advanceUntil(() => lastState(phone) === 'connected', 5000);
  return { phone, pbx };
}

/** Hold, resume and a same-SDP refresh from the far end; each 2xx stops once ACKed. */
function holdResumeRefresh(t: import('ava').ExecutionContext, phone: SimPhone, pbx: Pbx): void {
  const steps: Array<{ direction: string; version: number; state: string }> = [
    { direction: 'sendonly', version: 2, state: 'held' },
    { direction: 'sendrecv', version: 3, state: 'connected' },
    { direction: 'sendrecv', version: 3, state: 'connected' }, // session refresh: the same SDP
  ];
  for (const step of steps) {
    const mark = phone.events.length;
    const seq = pbx.reinvite(step.direction, step.version);
    phone.advanceUntil(() => pbx.acked.has(seq), 5000, 10);
    t.is(callStates(phone, mark).at(-1), step.state, `after the ${step.direction} re-INVITE ${seq}`);
    t.true(pbx.oks(seq)[0]!.msg.bodyText().startsWith('v=0'), 'the 2xx carries an SDP answer');
    phone.advance(40_000);
    const acked = pbx.acked.get(seq)!;
    t.deepEqual(pbx.oks(seq, acked + 5).map((r) => r.at), [], `the 2xx to re-INVITE ${seq} is not retransmitted after its ACK`);
    t.deepEqual(pbx.requestsOf('BYE'), [], 'no BYE');
  }
  phone.advance(120_000);
  t.is(lastState(phone), 'connected');
  t.deepEqual(pbx.requestsOf('BYE'), [], 'still no BYE 120 s on');
  t.false(callStates(phone).includes('ended'));
}

test('a call quip placed: the far end holds, resumes and refreshes by re-INVITE; the call stays up', (t) => {
  const { phone, pbx } = outgoingCall();
  holdResumeRefresh(t, phone, pbx);
});

test('a call quip took: the far end holds, resumes and refreshes by re-INVITE; the call stays up', (t) => {
  const { phone, pbx } = incomingCall();
  holdResumeRefresh(t, phone, pbx);
});

test('hanging up before the ACK stops the 2xx retransmissions (answer and re-INVITE)', (t) => {
  // The answer's 200, never ACKed, then the user hangs up.
  {
    const { phone, pbx } = setup();
    pbx.ackOurs = false;
    pbx.callPhone();
    phone.advanceUntil(() => phone.events.some((e) => e.event === 'incoming'), 5000);
    pbx.learnPhoneTag();
    phone.press('send');
    phone.advanceUntil(() => pbx.oks(1).length >= 2, 5000, 10); // retransmitting
    phone.press('end');
    phone.advanceUntil(() => pbx.requestsOf('BYE').length > 0, 5000, 10);
    const bye = pbx.requestsOf('BYE')[0]!.at;
    phone.advance(40_000);
    t.deepEqual(pbx.oks(1, bye + 5).map((r) => r.at), [], 'no 2xx after the BYE');
    t.is(lastState(phone), 'ended');
  }
  // A re-INVITE's 200, never ACKed, on a call quip placed.
  {
    const { phone, pbx } = outgoingCall();
    pbx.ackOurs = false;
    const seq = pbx.reinvite('sendonly', 2);
    phone.advanceUntil(() => pbx.oks(seq).length >= 2, 5000, 10);
    phone.press('end');
    phone.advanceUntil(() => pbx.requestsOf('BYE').length > 0, 5000, 10);
    const bye = pbx.requestsOf('BYE')[0]!.at;
    phone.advance(40_000);
    t.deepEqual(pbx.oks(seq, bye + 5).map((r) => r.at), [], 'no 2xx after the BYE');
    t.is(pbx.requestsOf('BYE').length, 1, 'one BYE');
  }
});

test('a 491 to our hold is retried after 2.1–4 s; hanging up first cancels the retry', (t) => {
  // The retry (we own the Call-ID: RFC 3261 §14.1's 2.1–4 s).
  {
    const { phone, pbx } = outgoingCall();
    pbx.glare = true;
    const mark = phone.now();
    phone.press('hold');
    phone.advanceUntil(() => pbx.requestsOf('INVITE', mark).length >= 2, 10_000, 10);
    const [first, retry] = pbx.requestsOf('INVITE', mark);
    const gap = retry!.at - first!.at;
    t.true(gap >= 2100 && gap <= 4100, `retried after ${gap} ms`);
    t.is(retry!.msg.bodyText().includes('a=sendonly'), true);
  }
  // Hanging up while the retry waits: no timer fires for the ended call, and nothing is sent.
  {
    const { phone, pbx } = outgoingCall();
    pbx.glare = true;
    const fired: number[] = [];
    const set = phone.clock.setTimer.bind(phone.clock);
    phone.clock.setTimer = (ms, fn) => set(ms, ms >= 2100 && ms < 4000 ? () => (fired.push(phone.now()), fn()) : fn);
    const mark = phone.now();
    phone.press('hold');
    phone.advanceUntil(() => pbx.requestsOf('INVITE', mark).length === 1, 5000, 10);
    phone.advance(500); // the 491 is in; the retry waits 2.1–4 s
    phone.press('end');
    phone.advanceUntil(() => lastState(phone) === 'ended', 5000, 10);
    const ended = phone.now();
    phone.advance(10_000);
    t.deepEqual(pbx.requestsOf('INVITE', ended), [], 'no re-INVITE after the call ended');
    t.deepEqual(fired.filter((at) => at > ended), [], 'the glare retry timer was cancelled');
  }
});
