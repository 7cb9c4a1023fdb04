/**
 * A simulated AWS latency model for the local engine, off by default. AWS adds latency to
 * every state transition and every Lambda invocation that the in-process engine does not
 * have; the bench sets assumed values to see how a drain fares with them. The values are
 * assumptions, never measurements, and only the engine applies them.
 */
export interface LatencyModel {
  /** Milliseconds added per state transition (every state entered, retries included). */
  readonly transitionMs: number;
  /** Milliseconds added per Lambda invocation (every call of a Lambda Task, retries included). */
  readonly invokeMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Charges one execution's transitions as wall time. aws-local-stepfunctions has no hook per
 * state, only per Task, so the transitions the event log has counted since the last charge
 * (the Choice before a Task, the Task itself, a retry) are slept off just before the Task's
 * resource is called, and whatever is left when the execution ends is slept off then.
 */
export class SimulatedLatency {
  private counted = 0;
  private charged = 0;

  constructor(readonly model: LatencyModel) {}

  /** The event log saw one more transition. */
  transition(): void {
    this.counted += 1;
  }

  /** Sleeps for the transitions not charged yet. */
  async chargeTransitions(): Promise<void> {
    // The engine dispatches StateEntered just before it calls the Task; let the event-log
    // reader (microtasks only) count it before the owed transitions are read.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const owed = this.counted - this.charged;
    this.charged = this.counted;
    if (owed > 0 && this.model.transitionMs > 0) await sleep(owed * this.model.transitionMs);
  }

  /** Wraps a Task's resource: transitions owed first, then (for a Lambda) the invocation. */
  around<T>(run: (input: unknown) => Promise<T>, isLambda: boolean): (input: unknown) => Promise<T> {
    return async (input) => {
      await this.chargeTransitions();
      if (isLambda && this.model.invokeMs > 0) await sleep(this.model.invokeMs);
      return run(input);
    };
  }
}

/** A model that adds nothing is no model: the engine then runs as it always did. */
export function activeLatency(model: LatencyModel | undefined): LatencyModel | undefined {
  return model && (model.transitionMs > 0 || model.invokeMs > 0) ? model : undefined;
}
