import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllJobsInput } from '../../functions/lib/sync/all-jobs-config';

/** The all-jobs inputs the README shows in ```json blocks. */
const inputs = [
  ...readFileSync(new URL('../../README.md', import.meta.url), 'utf8').matchAll(/```json\n([\s\S]*?)```/g),
]
  .map((match) => JSON.parse(match[1] as string) as { source?: unknown })
  .filter((value) => value.source === 'glue.allJobs');

describe('the README', () => {
  it('shows all-jobs inputs that Start sync accepts', () => {
    expect(inputs.length).toBeGreaterThanOrEqual(2);
    for (const input of inputs) expect(() => parseAllJobsInput(input, 'readme')).not.toThrow();
  });
});
