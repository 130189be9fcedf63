// The web page of the emulator: connects to /ws, draws every phone the server announces
// (or only ?phone=N), forwards clicks and the computer keyboard as key presses, shows the
// developer panel, and runs the browser's audio for the phone that has the keyboard.

import type { ControlEventJson, PhoneInfo, ServerMessage } from '../protocol.ts';
import { BrowserAudio } from './audio.ts';
import { h } from './dom.ts';
import { DevPanel } from './panel.ts';
import { PhoneView } from './phone-view.ts';
import type { LcdState } from './phone-view.ts';

interface Shown {
  info: PhoneInfo;
  view: PhoneView;
  panel: DevPanel;
  section: HTMLElement;
  ringing: boolean;
}

const phonesEl = document.getElementById('phones')!;
const connectionEl = document.getElementById('connection')!;
const audioButton = document.getElementById('audio-toggle') as HTMLButtonElement;
const audioState = document.getElementById('audio-state')!;
const only = new URLSearchParams(location.search).get('phone');

let ws: WebSocket | null = null;
let shown = new Map<number, Shown>();
let active = -1;
const audio = new BrowserAudio((pcm) => sendAudio(pcm));

function connect(): void {
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  socket.binaryType = 'arraybuffer';
  ws = socket;
  socket.onopen = () => setConnection('connected', 'connected to the emulator');
  socket.onclose = () => {
    setConnection('closed', 'disconnected — retrying…');
    ws = null;
    setTimeout(connect, 1000);
  };
  socket.onmessage = (e: MessageEvent<string | ArrayBuffer>) => {
    if (typeof e.data === 'string') onMessage(JSON.parse(e.data) as ServerMessage);
    else onAudio(e.data);
  };
}

function setConnection(state: string, text: string): void {
  connectionEl.dataset.state = state;
  connectionEl.textContent = text;
}

function send(msg: object): void {
  if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

function onMessage(msg: ServerMessage): void {
  switch (msg.type) {
    case 'hello':
      build(msg.title, msg.phones);
      break;
    case 'event':
      onEvent(msg.phone, msg.event);
      break;
    case 'sip':
      shown.get(msg.phone)?.panel.sipMessage(msg.entry);
      break;
    case 'error':
      console.warn('emulator:', msg.message);
      break;
  }
}

function build(title: string, phones: PhoneInfo[]): void {
  document.title = title;
  document.getElementById('title')!.textContent = title;
  shown = new Map();
  phonesEl.replaceChildren();
  for (const info of phones) {
    if (only !== null && String(info.index) !== only) continue;
    const view = new PhoneView(info, (key, down) => send(down === undefined ? { phone: info.index, key } : { phone: info.index, key, down }));
    const panel = new DevPanel(info.index);
    const label = `Phone ${info.index + 1}: ${info.name}${info.account ? ', ' + info.account : ''}`;
    const section = h('section', { class: 'phone', id: `phone-${info.index}`, 'aria-label': label },
      h('h2', {}, `Phone ${info.index + 1}`, h('small', {}, ` ${info.name}${info.account ? ' — ' + info.account : ''}`)),
      h('div', { class: 'phone-body' }, view.root, panel.root));
    section.addEventListener('pointerdown', () => activate(info.index));
    shown.set(info.index, { info, view, panel, section, ringing: false });
    phonesEl.append(section);
  }
  activate(shown.has(active) ? active : (shown.keys().next().value ?? -1));
}

/** The phone that gets the computer keyboard, the microphone and the speaker. */
function activate(index: number): void {
  if (index === active && shown.get(index)?.section.classList.contains('active')) return;
  const previous = active;
  active = index;
  for (const [i, s] of shown) s.section.classList.toggle('active', i === index);
  if (audio.micOn) {
    if (previous >= 0 && previous !== index) send({ phone: previous, mic: false });
    if (index >= 0) send({ phone: index, mic: true });
  }
}

function onEvent(index: number, event: ControlEventJson): void {
  const s = shown.get(index);
  if (s === undefined) return;
  if (event.event === 'display') {
    const st = event as unknown as LcdState;
    s.view.show(st);
    s.ringing = st.ringing === true;
    audio.ringing([...shown.values()].some((p) => p.ringing));
  }
  s.panel.event(event);
}

function onAudio(data: ArrayBuffer): void {
  const bytes = new Uint8Array(data);
  if (bytes.length < 3 || bytes[0] !== active) return; // only the active phone's speaker: no feedback between phones
  audio.play(new DataView(data, 1));
}

function sendAudio(pcm: Int16Array): void {
  if (ws?.readyState !== WebSocket.OPEN || active < 0) return;
  const frame = new Uint8Array(pcm.length * 2 + 1);
  frame[0] = active;
  const view = new DataView(frame.buffer);
  pcm.forEach((v, i) => view.setInt16(1 + i * 2, v, true));
  ws.send(frame);
}

audioButton.addEventListener('click', () => {
  void (async () => {
    if (audio.on) {
      if (active >= 0) send({ phone: active, mic: false });
      await audio.stop();
      audioButton.setAttribute('aria-pressed', 'false');
      audioButton.textContent = 'Turn on audio';
      audioState.textContent = 'audio off';
      return;
    }
    const result = await audio.start();
    audioButton.setAttribute('aria-pressed', 'true');
    audioButton.textContent = 'Turn off audio';
    if (result === 'mic') {
      send({ phone: active, mic: true });
      audioState.textContent = 'audio on: the active phone hears your microphone and plays through your speaker';
    } else {
      audioState.textContent = 'speaker on; no microphone permission — the phone hears its --audio-in file (or silence)';
    }
    audio.ringing([...shown.values()].some((p) => p.ringing));
  })();
});

// The computer keyboard drives the active phone through its board's keymap. Enter and Space
// on a focused button or control keep their usual meaning, so the page stays keyboard-usable.
function keyFor(e: KeyboardEvent): string | null {
  if (e.ctrlKey || e.altKey || e.metaKey) return null;
  const target = e.target as HTMLElement | null;
  if (target?.closest('input, textarea, select')) return null;
  if ((e.key === 'Enter' || e.key === ' ') && target?.closest('button, summary, a')) return null;
  const s = shown.get(active);
  return s?.info.keymap[e.key] ?? null;
}

document.addEventListener('keydown', (e) => {
  const key = keyFor(e);
  if (key === null) return;
  e.preventDefault();
  if (!e.repeat) shown.get(active)!.view.keyboard(key, true);
});
document.addEventListener('keyup', (e) => {
  const key = keyFor(e);
  if (key === null) return;
  e.preventDefault();
  shown.get(active)!.view.keyboard(key, false);
});

// Frame counters and peak levels for the curious (and the browser tests): is audio really
// flowing, and is it sound or silence?
const counters = document.getElementById('audio-counters')!;
setInterval(() => {
  if (!audio.on) return;
  const level = audio.levels();
  counters.dataset.sent = String(audio.framesSent);
  counters.dataset.played = String(audio.framesPlayed);
  counters.dataset.micDbfs = String(level.mic);
  counters.dataset.speakerDbfs = String(level.speaker);
  counters.textContent = `mic frames sent ${audio.framesSent} (peak ${level.mic} dBFS), speaker frames played ${audio.framesPlayed} (peak ${level.speaker} dBFS)`;
}, 500);

connect();
