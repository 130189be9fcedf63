// The event router: each owner hears only the events of the handles it opened through its own
// network view, handles are forgotten when the HAL ends them, and device events go to the
// handlers subscribed by type.
import test from 'ava';
import type { HalEvent, NetHal } from '../../hal/contract.ts';
import { EventRouter } from '../../firmware/util/event-router.ts';

/** Hands out ids 1, 2, 3… for every kind of handle, as the emulator does, and records calls. */
class CountingNet implements NetHal {
  calls: string[] = [];
  private next = 1;
  udpOpen(port: number): number { this.calls.push(`udpOpen ${port}`); return this.next++; }
  udpSend(): boolean { return true; }
  udpClose(socket: number): void { this.calls.push(`udpClose ${socket}`); }
  tcpConnect(): number { return this.next++; }
  tcpListen(): number { return this.next++; }
  tcpStopListening(): void {}
  tcpWrite(): boolean { return true; }
  tcpClose(conn: number): void { this.calls.push(`tcpClose ${conn}`); }
  dnsQuery(): number { return this.next++; }
  localAddress(): string { return '192.0.2.10'; }
}

function recorder(): { seen: HalEvent[]; sink: (ev: HalEvent) => void } {
  const seen: HalEvent[] = [];
  return { seen, sink: (ev) => seen.push(ev) };
}

test('a datagram goes to the owner of its socket, and to nobody else', (t) => {
  const router = new EventRouter(new CountingNet());
  const sip = recorder();
  const rtp = recorder();
  const sipSocket = router.netFor(sip.sink).udpOpen(5060);
  const rtpSocket = router.netFor(rtp.sink).udpOpen(16384);
  t.not(sipSocket, rtpSocket);
  t.true(router.dispatch({ type: 'udp', socket: rtpSocket, data: 'x', address: '192.0.2.1', port: 4000 }));
  t.true(router.dispatch({ type: 'udp_bound', socket: sipSocket, port: 5060 }));
  t.deepEqual(rtp.seen.map((e) => e.type), ['udp']);
  t.deepEqual(sip.seen.map((e) => e.type), ['udp_bound']);
});

test('a connection stays owned through tcpClose until its tcp_closed, then is forgotten', (t) => {
  const net = new CountingNet();
  const router = new EventRouter(net);
  const http = recorder();
  const view = router.netFor(http.sink);
  const conn = view.tcpConnect('192.0.2.1', 80);
  router.dispatch({ type: 'tcp_connected', conn, localAddress: '192.0.2.10', localPort: 40000 });
  router.dispatch({ type: 'tcp_writable', conn });
  view.tcpClose(conn);
  t.deepEqual(net.calls, [`tcpClose ${conn}`]);
  t.is(router.owned, 1);
  t.true(router.dispatch({ type: 'tcp_closed', conn, error: null }));
  t.is(router.owned, 0);
  t.deepEqual(http.seen.map((e) => e.type), ['tcp_connected', 'tcp_writable', 'tcp_closed']);
  // A late event for the ended connection belongs to nobody.
  t.false(router.dispatch({ type: 'tcp_data', conn, data: 'late' }));
});

test("a listener's accepted connections belong to the listener's owner", (t) => {
  const router = new EventRouter(new CountingNet());
  const sip = recorder();
  const other = recorder();
  const listener = router.netFor(sip.sink).tcpListen(5060);
  router.netFor(other.sink).udpOpen(0);
  router.dispatch({ type: 'tcp_accepted', listener, conn: 77, address: '192.0.2.5', port: 5000 });
  router.dispatch({ type: 'tcp_data', conn: 77, data: 'OPTIONS' });
  t.deepEqual(sip.seen.map((e) => e.type), ['tcp_accepted', 'tcp_data']);
  t.deepEqual(other.seen, []);
});

test('a DNS answer reaches the asker once; a UDP error and a listen error end their handles', (t) => {
  const router = new EventRouter(new CountingNet());
  const dns = recorder();
  const view = router.netFor(dns.sink);
  const query = view.dnsQuery('example.com', 'A');
  const socket = view.udpOpen(0);
  const listener = view.tcpListen(5060);
  const answer: HalEvent = { type: 'dns', query, records: [], error: 'ENOTFOUND' };
  t.true(router.dispatch(answer));
  t.false(router.dispatch(answer));
  router.dispatch({ type: 'udp_error', socket, error: 'EADDRINUSE' });
  router.dispatch({ type: 'tcp_listen_error', listener, error: 'EADDRINUSE' });
  t.is(router.owned, 0);
  t.deepEqual(dns.seen.map((e) => e.type), ['dns', 'udp_error', 'tcp_listen_error']);
});

test('udpClose and tcpStopListening forget the handle and reach the HAL', (t) => {
  const net = new CountingNet();
  const router = new EventRouter(net);
  const owner = recorder();
  const view = router.netFor(owner.sink);
  const socket = view.udpOpen(0);
  view.tcpStopListening(view.tcpListen(0));
  view.udpClose(socket);
  t.is(router.owned, 0);
  t.deepEqual(net.calls, ['udpOpen 0', `udpClose ${socket}`]);
  t.false(router.dispatch({ type: 'udp', socket, data: 'x', address: '192.0.2.1', port: 1 }));
});

test('device events go to their type handlers in subscription order; unknown ones are refused', (t) => {
  const router = new EventRouter(new CountingNet());
  const order: string[] = [];
  router.on('shutdown', () => order.push('ua'));
  router.on('shutdown', () => order.push('settings'));
  router.on('key', (ev) => order.push(`key ${ev.key} ${ev.down}`));
  t.true(router.dispatch({ type: 'shutdown' }));
  t.true(router.dispatch({ type: 'key', key: '5', down: true }));
  t.false(router.dispatch({ type: 'link', up: true, address: '192.0.2.10' }));
  t.deepEqual(order, ['ua', 'settings', 'key 5 true']);
});

test('a failed open (negative id) registers nothing', (t) => {
  const net = new CountingNet();
  net.udpOpen = () => -1;
  const router = new EventRouter(net);
  t.is(router.netFor(() => t.fail()).udpOpen(5060), -1);
  t.is(router.owned, 0);
});
