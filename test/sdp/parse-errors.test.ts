import test from 'ava';
import { parseSdp, SdpParseError } from '../../firmware/sdp/index.ts';

const HEAD = 'v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n'; // lines 1-5
const AUDIO = 'm=audio 5004 RTP/AVP 0\n'; // line 6 after HEAD

/** [what, SDP text, expected 1-based line, expected message fragment] */
const MALFORMED: Array<[string, string, number, RegExp]> = [
  ['empty input', '', 1, /missing v=0/],
  ['only blank lines', '\r\n\r\n', 2, /missing v=0/],
  ['first line is not v=', 'o=- 1 1 IN IP4 h\nv=0\n', 1, /first line must be v=0/],
  ['unsupported version', 'v=1\no=- 1 1 IN IP4 h\ns=-\n', 1, /unsupported SDP version/],
  ['v= twice', 'v=0\nv=0\n', 2, /more than one v= line/],
  ['no o= before m=', 'v=0\ns=-\nt=0 0\nm=audio 1 RTP/AVP 0\n', 4, /missing o= line/],
  ['no o= at all', 'v=0\ns=-\nt=0 0\n', 3, /missing o= line/],
  ['no s=', 'v=0\no=- 1 1 IN IP4 h\nt=0 0\n', 3, /missing s= line/],
  ['o= with five fields', 'v=0\no=- 1 1 IN IP4\ns=-\n', 2, /o= needs 6 fields, found 5/],
  ['o= version not a number', 'v=0\no=- 1 x1 IN IP4 h\ns=-\n', 2, /session version is not a number/],
  ['o= twice', 'v=0\no=- 1 1 IN IP4 h\no=- 1 1 IN IP4 h\n', 3, /more than one o= line/],
  ['s= twice', 'v=0\no=- 1 1 IN IP4 h\ns=a\ns=b\n', 4, /more than one s= line/],
  ['i= twice', 'v=0\no=- 1 1 IN IP4 h\ns=-\ni=a\ni=b\n', 5, /more than one i= line/],
  ['u= twice', 'v=0\no=- 1 1 IN IP4 h\ns=-\nu=a\nu=b\n', 5, /more than one u= line/],
  ['k= twice', 'v=0\no=- 1 1 IN IP4 h\ns=-\nk=a\nk=b\n', 5, /more than one k= line/],
  ['session c= twice', HEAD + 'c=IN IP4 h\n', 6, /more than one c= line/],
  ['c= with two fields', 'v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4\n', 4, /c= needs 3 fields/],
  ['c= TTL not a number', 'v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 224.2.1.1/ttl\n', 4, /c= address is malformed/],
  ['c= TTL above 255', 'v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 224.2.1.1/256\n', 4, /c= address is malformed/],
  ['c= address count 0', 'v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 224.2.1.1/127/0\n', 4, /c= address is malformed/],
  ['c= IP6 with TTL', 'v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP6 ff15::1/3/2\n', 4, /c= address is malformed/],
  ['c= empty address before slash', 'v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 /127\n', 4, /c= address is malformed/],
  ['b= without colon', HEAD + 'b=AS64\n', 6, /b= must be <type>:<number>/],
  ['b= value not a number', HEAD + 'b=AS:fast\n', 6, /b= must be <type>:<number>/],
  ['b= empty type', HEAD + 'b=:64\n', 6, /b= must be <type>:<number>/],
  ['t= with one field', 'v=0\no=- 1 1 IN IP4 h\ns=-\nt=0\n', 4, /t= needs 2 fields/],
  ['t= not numbers', 'v=0\no=- 1 1 IN IP4 h\ns=-\nt=now later\n', 4, /t= times must be numbers/],
  ['r= before any t=', 'v=0\no=- 1 1 IN IP4 h\ns=-\nr=7d 1h 0\n', 4, /r= must follow a t= line/],
  ['r= with two fields', HEAD + 'r=7d 1h\n', 6, /r= needs at least 3 fields/],
  ['r= bad unit', HEAD + 'r=7w 1h 0\n', 6, /r= time is malformed/],
  ['z= odd field count', HEAD + 'z=2882844526 -1h 2898848070\n', 6, /z= needs <time> <offset> pairs/],
  ['z= bad offset', HEAD + 'z=2882844526 -x\n', 6, /z= pair is malformed/],
  ['z= twice', HEAD + 'z=1 0\nz=2 0\n', 7, /more than one z= line/],
  ['m= port not a number', HEAD + 'm=audio abc RTP/AVP 0\n', 6, /m= port is not a number/],
  ['m= port above 65535', HEAD + 'm=audio 65536 RTP/AVP 0\n', 6, /m= port is not a number/],
  ['m= negative port', HEAD + 'm=audio -1 RTP/AVP 0\n', 6, /m= port is not a number/],
  ['m= port count 0', HEAD + 'm=audio 5004/0 RTP/AVP 0\n', 6, /m= port count is malformed/],
  ['m= without proto', HEAD + 'm=audio 5004\n', 6, /m= needs <media> <port> <proto>/],
  ['m= empty', HEAD + 'm=\n', 6, /m= needs/],
  ['line without =', HEAD + 'hello\n', 6, /expected <type>=<value>/],
  ['two-letter type', HEAD + 'ab=c\n', 6, /expected <type>=<value>/],
  ['digit type', HEAD + '1=c\n', 6, /expected <type>=<value>/],
  ['leading space', HEAD + ' a=sendrecv\n', 6, /expected <type>=<value>/],
  ['lone letter', HEAD + 'a\n', 6, /expected <type>=<value>/],
  ['NUL inside a line', HEAD + 'a=to\0ol\n', 6, /CR or NUL/],
  ['bare CR inside a line', HEAD + 'a=x\ry\n', 6, /CR or NUL/],
  ['a= without a name', HEAD + 'a=\n', 6, /a= attribute has no name/],
  ['a= with empty name', HEAD + 'a=:value\n', 6, /a= attribute has no name/],
  ['rtpmap without clock rate', HEAD + AUDIO + 'a=rtpmap:96 opus\n', 7, /rtpmap must be/],
  ['rtpmap payload type above 127', HEAD + AUDIO + 'a=rtpmap:128 PCMU/8000\n', 7, /rtpmap must be/],
  ['rtpmap clock rate 0', HEAD + AUDIO + 'a=rtpmap:0 PCMU/0\n', 7, /rtpmap must be/],
  ['rtpmap without value', HEAD + AUDIO + 'a=rtpmap\n', 7, /rtpmap must be/],
  ['rtpmap with four parts', HEAD + AUDIO + 'a=rtpmap:96 X/8000/1/2\n', 7, /rtpmap must be/],
  ['fmtp with empty format', HEAD + AUDIO + 'a=fmtp: 0-15\n', 7, /fmtp must be/],
  ['ptime not a number', HEAD + AUDIO + 'a=ptime:twenty\n', 7, /ptime must be a positive number/],
  ['ptime zero', HEAD + AUDIO + 'a=ptime:0\n', 7, /ptime must be a positive number/],
  ['maxptime without value', HEAD + AUDIO + 'a=maxptime\n', 7, /maxptime must be a positive number/],
  ['rtcp port above 65535', HEAD + AUDIO + 'a=rtcp:70000\n', 7, /rtcp must be/],
  ['rtcp with partial address', HEAD + AUDIO + 'a=rtcp:5005 IN IP4\n', 7, /rtcp must be/],
  ['session rtpmap is checked too', HEAD + 'a=rtpmap:x PCMU/8000\n', 6, /rtpmap must be/],
  ['t= inside a media section', HEAD + AUDIO + 't=0 0\n', 7, /t= is not allowed in a media description/],
  ['o= inside a media section', HEAD + AUDIO + 'o=- 1 1 IN IP4 h\n', 7, /o= is not allowed in a media description/],
  ['v= inside a media section', HEAD + AUDIO + 'v=0\n', 7, /v= is not allowed in a media description/],
  ['media i= twice', HEAD + AUDIO + 'i=a\ni=b\n', 8, /more than one i= line/],
  ['media k= twice', HEAD + AUDIO + 'k=a\nk=b\n', 8, /more than one k= line/],
  ['media c= malformed', HEAD + AUDIO + 'c=IN IP4\n', 7, /c= needs 3 fields/],
  ['media b= malformed', HEAD + AUDIO + 'b=AS\n', 7, /b= must be/],
  ['error after CRLF lines keeps counting', 'v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\n\r\nm=audio x RTP/AVP 0\r\n', 5, /m= port/],
];

for (const [what, text, line, message] of MALFORMED) {
  test(`malformed: ${what} → SdpParseError at line ${line}`, (t) => {
    const error = t.throws(() => parseSdp(text), { instanceOf: SdpParseError });
    t.is(error?.line, line);
    t.regex(error?.message ?? '', message);
    t.true(error?.message.startsWith(`SDP line ${line}: `));
  });
}

test('non-string input gives SdpParseError, not a TypeError', (t) => {
  t.throws(() => parseSdp(undefined as unknown as string), { instanceOf: SdpParseError });
  t.throws(() => parseSdp(42 as unknown as string), { instanceOf: SdpParseError });
});

test('size limit: 64 KiB is rejected before any line is looked at', (t) => {
  const huge = HEAD + 'a=x\n'.repeat(20000); // 80 KB
  const error = t.throws(() => parseSdp(huge), { instanceOf: SdpParseError });
  t.regex(error?.message ?? '', /longer than 65536 characters/);
  // The line holding the first character past the limit.
  t.is(error?.line, 5 + Math.ceil((65536 - HEAD.length) / 4));
});

test('line limit: a flood of newlines stops at line 1025', (t) => {
  const error = t.throws(() => parseSdp('v=0\n' + '\n'.repeat(5000)), { instanceOf: SdpParseError });
  t.is(error?.line, 1025);
  t.regex(error?.message ?? '', /more than 1024 lines/);
});

test('media limit: the 17th m= line is refused', (t) => {
  const error = t.throws(() => parseSdp(HEAD + 'm=audio 0 RTP/AVP 0\n'.repeat(17)), { instanceOf: SdpParseError });
  t.is(error?.line, 5 + 17);
  t.regex(error?.message ?? '', /more than 16 m= sections/);
});

test('a single 64 KiB line is handled quickly and quoted briefly in the error', (t) => {
  const error = t.throws(() => parseSdp('v=0\n' + 'x'.repeat(65000)), { instanceOf: SdpParseError });
  t.is(error?.line, 2);
  t.true((error?.message.length ?? 0) < 120);
});
