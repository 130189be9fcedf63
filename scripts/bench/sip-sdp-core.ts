// Entry for measuring the size of the SIP + SDP core as it would ship: both firmware modules,
// bundled and minified together. Namespaced so same-named exports cannot collide.
export * as sip from '../../firmware/sip/index.ts';
export * as sdp from '../../firmware/sdp/index.ts';
