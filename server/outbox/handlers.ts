import type { JobHandlers } from './worker';

/**
 * The job kinds this app runs, each with its handler: the one place a feature registers the
 * work it queues with `enqueue(work, kind, payload)`. None yet; the training issue's reminder
 * mail will be the first. A kind queued with no handler here waits (no worker takes it).
 */
export function jobHandlers(): JobHandlers {
  return {};
}
