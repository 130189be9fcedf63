// Plain JS on purpose: nothing to typecheck, and tsc stays quiet while firmware/sdp is being written.
// Entry for measuring the size of the SIP + SDP core as it would ship: both firmware modules,
// bundled and minified together. Namespaced so same-named exports cannot collide.
export * as sip from '../../firmware/sip/index.ts';
export * as sdp from '../../firmware/sdp/index.ts';
