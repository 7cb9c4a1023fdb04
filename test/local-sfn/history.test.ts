import { describe, expect, it } from 'vitest';
import type { LocalEvent, LocalTaskCallEvent } from '../../local/engine';
import { type HistoryEvent, HistoryRecorder, toWireEvent } from '../../local/sfn/history';

const LAMBDA = 'arn:aws:lambda:us-east-1:000000000000:function:pagewalk-fetch-page';
const state = (name: string, type = 'Task', io: Record<string, unknown> = {}) => ({
  name,
  type,
  input: {},
  ...io,
});

/** Feeds a scripted mix of engine events and task-call events, in the order given. */
function record(script: Array<['engine', LocalEvent] | ['call', LocalTaskCallEvent]>, maxEvents?: number) {
  let closed: readonly HistoryEvent[] | undefined;
  const recorder = new HistoryRecorder({
    roleArn: 'role',
    region: 'us-east-1',
    maxEvents,
    onClosed: (_, events) => {
      closed = events;
    },
  });
  for (const [kind, event] of script) {
    if (kind === 'engine') recorder.onEvent(event, 'x');
    else recorder.onTaskCall(event, 'x');
  }
  return { events: recorder.events('x') ?? [], closed, recorder };
}

const call = (type: LocalTaskCallEvent['type'], callId: number, extra: Partial<LocalTaskCallEvent> = {}) =>
  ['call', { type, callId, stateName: 'Fetch', resource: LAMBDA, timestamp: callId, ...extra }] as [
    'call',
    LocalTaskCallEvent,
  ];
const engine = (type: string, extra: Partial<LocalEvent> = {}) =>
  ['engine', { type, timestamp: 0, ...extra }] as ['engine', LocalEvent];

describe('the history recorder', () => {
  it('ignores a Task call that ends after its execution was stopped and its history released', () => {
    const { recorder } = record([
      engine('ExecutionStarted', { input: {} }),
      engine('StateEntered', { state: state('Fetch') }),
      call('TaskCallStarted', 1),
      engine('ExecutionAborted'),
    ]);
    recorder.release('x');
    recorder.onTaskCall(call('TaskCallSucceeded', 1)[1], 'x');
    recorder.onEvent(engine('StateExited', { state: state('Fetch') })[1], 'x');
    expect(recorder.events('x')).toBeUndefined();
  });

  it("places each attempt's events by the attempt, even when the next attempt is reported before the failure", () => {
    const { events, closed } = record([
      engine('ExecutionStarted', { input: {} }),
      engine('StateEntered', { state: state('Fetch') }),
      call('TaskCallStarted', 1, { input: { call: 'origin' } }),
      call('TaskCallFailed', 1, { error: 'ThrottlingException', cause: 'slow down' }),
      // The engine retries at once (0 ms): the second call starts before its StateFailed is read.
      call('TaskCallStarted', 2, { input: { call: 'origin' } }),
      engine('StateFailed', { state: state('Fetch'), Error: 'ThrottlingException' }),
      engine('StateRetried', { state: state('Fetch') }),
      call('TaskCallSucceeded', 2, { output: { page: 1 } }),
      engine('StateExited', { state: state('Fetch', 'Task', { output: { cursor: { page: 1 } } }) }),
      engine('ExecutionSucceeded', { output: {} }),
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[4]?.lambdaFunctionFailedEventDetails).toEqual({
      error: 'ThrottlingException',
      cause: 'slow down',
    });
    expect(closed).toBe(events);
  });

  it('records a Task that timed out as TimedOut, and ignores the late end of its call', () => {
    const { events } = record([
      engine('ExecutionStarted', { input: {} }),
      engine('StateEntered', { state: state('Fetch') }),
      call('TaskCallStarted', 1),
      engine('StateFailed', { state: state('Fetch'), Error: 'States.Timeout', Cause: 'timed out' }),
      engine('StateRetried', { state: state('Fetch') }),
      call('TaskCallSucceeded', 1, { output: { late: true } }),
      call('TaskCallStarted', 2),
      call('TaskCallSucceeded', 2, { output: { page: 1 } }),
      engine('StateExited', { state: state('Fetch') }),
    ]);
    expect(events.map((e) => e.type).slice(2)).toEqual([
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionTimedOut',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
    ]);
    expect(events[7]?.lambdaFunctionSucceededEventDetails).toMatchObject({ output: '{"page":1}' });
  });

  it('records a Fail state as FailStateEntered then ExecutionFailed, as AWS does', () => {
    const { events } = record([
      engine('ExecutionStarted', { input: {} }),
      engine('StateEntered', { state: state('Run failed', 'Fail') }),
      engine('StateFailed', { state: state('Run failed', 'Fail'), Error: 'Boom', Cause: 'why' }),
      engine('ExecutionFailed', { Error: 'Boom', Cause: 'why' }),
    ]);
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'FailStateEntered', 'ExecutionFailed']);
    expect(events[2]?.executionFailedEventDetails).toEqual({ error: 'Boom', cause: 'why' });
  });

  it('keeps at most the cap of events, always with the end event, as the 25,000-event limit bounds AWS', () => {
    const script: Array<['engine', LocalEvent]> = [engine('ExecutionStarted', { input: {} })];
    for (let i = 0; i < 20; i += 1) {
      script.push(engine('StateEntered', { state: state('More?', 'Choice') }));
      script.push(engine('StateExited', { state: state('More?', 'Choice') }));
    }
    script.push(engine('ExecutionSucceeded', { output: {} }));
    const { events, recorder } = record(script, 10);
    expect(events).toHaveLength(10);
    expect(events.at(-1)).toMatchObject({ id: 10, type: 'ExecutionSucceeded' });
    expect(recorder.dropped('x')).toBe(42 - 10);
  });

  it('sends timestamps as epoch seconds and leaves out data when asked', () => {
    const wire = toWireEvent(
      {
        id: 1,
        previousEventId: 0,
        timestamp: 1_700_000_000_123,
        type: 'TaskStateEntered',
        stateEnteredEventDetails: { name: 'Fetch', input: '{}', inputDetails: { truncated: false } },
      },
      false,
    );
    expect(wire).toEqual({
      id: 1,
      previousEventId: 0,
      timestamp: 1_700_000_000.123,
      type: 'TaskStateEntered',
      stateEnteredEventDetails: { name: 'Fetch', inputDetails: { truncated: false } },
    });
  });
});
