import { sleep } from '../retry';
import { TransientSinkError } from '../types';
import type { JobState, LoadJobs } from './jobs';

/** How a running job is polled: growing delays, bounded in total. */
export interface PollOptions {
  firstDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Total of the delays before giving up, well inside the function's timeout: a job still running
   * then is left to run, the invocation fails, and the redelivery finds the job by its id.
   */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_POLL: Required<Omit<PollOptions, 'sleep'>> = { firstDelayMs: 250, maxDelayMs: 5_000, maxWaitMs: 120_000 };

/** The delays between polls: doubling from `firstDelayMs` to `maxDelayMs`, summing to at most `maxWaitMs`. Pure. */
export function pollDelays(options: PollOptions = {}): number[] {
  const { firstDelayMs, maxDelayMs, maxWaitMs } = { ...DEFAULT_POLL, ...options };
  const delays: number[] = [];
  let total = 0;
  for (let next = firstDelayMs; total + next <= maxWaitMs; next = Math.min(maxDelayMs, next * 2)) {
    delays.push(next);
    total += next;
  }
  return delays;
}

/** Polls jobs.get until the job is DONE; throws TransientSinkError if it is not within the bound. */
export async function waitForJob(jobs: LoadJobs, jobId: string, options: PollOptions = {}): Promise<JobState> {
  const pause = options.sleep ?? sleep;
  const delays = pollDelays(options);
  for (const delay of delays) {
    await pause(delay);
    const job = await jobs.get(jobId);
    // Gone between insert and get: not something a job does; say so rather than wait on nothing.
    if (!job) throw new TransientSinkError(`load job ${jobId} was inserted but jobs.get does not find it`);
    if (job.state === 'DONE') return job;
  }
  throw new TransientSinkError(`load job ${jobId} still running after ${delays.reduce((a, b) => a + b, 0)} ms of polling; a redelivery will wait for it again`);
}
