import { WORKLOAD, toBinaryString } from '/work/main/scripts/bench/workload.ts';
const SIMPLE_SECTION = /^(?:[A-Za-z0-9\-.!%*_+`'~]+[ \t]*:[^\r\n]*\r\n)*$/;
for (const w of WORKLOAD as any[]) { const s = toBinaryString(w.text); const st = s.indexOf('\r\n') + 2; const end = s.indexOf('\r\n\r\n'); console.log(SIMPLE_SECTION.test(s.slice(st, end + 2)), s.length, s.slice(0, 30)); }
