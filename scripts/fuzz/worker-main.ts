// One parallel fuzz worker: runs its shard of the campaign and posts progress and its report.

import { parentPort, workerData } from 'node:worker_threads';
import { runFuzz } from './campaign.ts';
import type { FuzzOptions, FuzzReport } from './campaign.ts';

export type WorkerMessage = { type: 'progress'; done: number; failures: number } | { type: 'report'; report: FuzzReport };

const options = workerData as FuzzOptions;
const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
const report = await runFuzz({ ...options, sourceStacks: false, onProgress: (p) => post({ type: 'progress', done: p.done, failures: p.failures }) });
post({ type: 'report', report });
