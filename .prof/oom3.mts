import { getQuickJS } from 'quickjs-emscripten';
const QuickJS = await getQuickJS();
const rt = QuickJS.newRuntime();
const vm = rt.newContext();
vm.unwrapResult(vm.evalCode(`globalThis.hog = []; for (let i = 0; i < 2000; i++) { hog.push({a: i, b: 'x' + i, c: [i, i]}); } hog.length`)).dispose();
let t0 = performance.now();
let used = 0;
for (let i = 0; i < 200; i++) { const h = rt.computeMemoryUsage(); const m = vm.getProp(h, 'memory_used_size'); used = vm.getNumber(m); m.dispose(); h.dispose(); }
console.log('compute+getProp ms', (performance.now() - t0) / 200, used);
const sys = (rt as any).getSystemContext();
t0 = performance.now();
for (let i = 0; i < 200; i++) { const h = rt.computeMemoryUsage(); const m = sys.getProp(h, 'memory_used_size'); used = sys.getNumber(m); m.dispose(); h.dispose(); }
console.log('system ctx ms', (performance.now() - t0) / 200, used);
