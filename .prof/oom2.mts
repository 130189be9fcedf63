import { getQuickJS } from 'quickjs-emscripten';
const QuickJS = await getQuickJS();
const rt = QuickJS.newRuntime();
rt.setMemoryLimit(4 * 1024 * 1024);
const vm = rt.newContext();
const r = vm.evalCode(`globalThis.hog = []; for (let i = 0; i < 200; i++) { const a = []; for (let k = 0; k < 4096; k++) a.push(k + i); hog.push(a); } hog.length`);
console.log(r.error ? vm.dump(r.error) : vm.dump(r.value));
const h = rt.computeMemoryUsage(); const u = vm.dump(h); h.dispose(); console.log(u.malloc_limit, u.memory_used_size, u.malloc_size);
const t0=performance.now(); for (let i=0;i<100;i++) rt.dumpMemoryUsage(); console.log('dump ms', (performance.now()-t0)/100); console.log(rt.dumpMemoryUsage());
