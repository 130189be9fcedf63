import { SipMessage, parseMessage, serializeMessage } from '/work/main/firmware/sip/index.ts';
const m = SipMessage.request('a', 'sip:aa').add('Via', 'SIP/2.0/A 0.0.0.0;branch=z9hG4bKa;rport=0').add('From','<sip:aa>;tag=a').add('To','<sip:b>').add('Call-ID','a').add('CSeq','1 a').add('X-a', '\ufee0');
const w = serializeMessage(m);
console.log(JSON.stringify(w.slice(-30)), [...parseMessage(w).get('X-a')!].map(c=>c.charCodeAt(0).toString(16)));
