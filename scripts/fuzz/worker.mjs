// Worker-thread entry for `quip fuzz --jobs N`: this thread needs tsx's TypeScript loader too.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
