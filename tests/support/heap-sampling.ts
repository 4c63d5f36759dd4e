/**
 * JavaScript bytes a piece of work allocates, collected since or not: V8's sampling heap profiler
 * through node:inspector (objects collected by minor and major GCs included). A sample stands for
 * `samplingInterval` bytes on average, so repeat the work many times and divide.
 */
import { Session } from 'node:inspector';

/** A node of the sampled allocation tree: a call frame, what it allocated itself, its callees. */
export interface ProfileNode {
  callFrame: { url: string; functionName: string };
  selfSize: number;
  children: ProfileNode[];
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));
}

/** The allocation tree sampled while `work` ran (every `samplingInterval` bytes on average). */
export async function sampleAllocations(work: () => void | Promise<void>, samplingInterval: number): Promise<ProfileNode> {
  const session = new Session();
  session.connect();
  try {
    await post(session, 'HeapProfiler.enable');
    await post(session, 'HeapProfiler.startSampling', { samplingInterval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    await work();
    const { profile } = await post<{ profile: { head: ProfileNode } }>(session, 'HeapProfiler.stopSampling');
    return profile.head;
  } finally {
    session.disconnect();
  }
}

/** Every byte sampled in the tree under `node`. */
export const totalBytes = (node: ProfileNode): number => node.selfSize + node.children.reduce((sum, child) => sum + totalBytes(child), 0);
