import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type State = { Type: string; Resource?: string; Retry?: unknown; ItemProcessor?: { States: States } };
type States = Record<string, State>;
const read = (file: string) =>
  JSON.parse(readFileSync(new URL(`../../statemachine/${file}`, import.meta.url), 'utf8')) as {
    States: States;
  };
const loop = read('pagewalk.asl.json').States;
const allJobs = read('all-jobs.asl.json').States;

/** Every Task of a machine by name, those inside its Map included. */
function tasks(states: States): Array<[string, State]> {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [[name, state] as [string, State]] : []),
    ...(state.ItemProcessor ? tasks(state.ItemProcessor.States) : []),
  ]);
}

describe('the all-jobs state machine definition', () => {
  it('retries each Lambda Task exactly as the loop retries its class: List jobs as a page fetch, the rest as bookkeeping', () => {
    const lambdaTasks = tasks(allJobs).filter(([, state]) => state.Resource?.startsWith('${'));
    const classes: Record<string, string> = {
      'Start sync': 'Start run',
      'List jobs': 'Fetch next page',
      'Read job run': 'Start run',
      'Record sync completion': 'Start run',
      'Record sync failure': 'Start run',
    };

    expect(lambdaTasks.map(([name]) => name).sort()).toEqual(Object.keys(classes).sort());
    for (const [name, state] of lambdaTasks) {
      expect({ name, retry: state.Retry }).toEqual({ name, retry: loop[classes[name] as string]?.Retry });
    }
  });
});
