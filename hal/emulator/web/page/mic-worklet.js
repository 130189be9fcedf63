// AudioWorklet processor: hands each block of microphone samples to the page's main thread,
// which downsamples to 8 kHz and sends 20 ms frames to the emulator.
class QuipMic extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) this.port.postMessage(channel.slice(0));
    return true;
  }
}
registerProcessor('quip-mic', QuipMic);
