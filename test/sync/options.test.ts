import { describe, expect, it } from 'vitest';
import { parseStartInput } from '../../functions/lib/run-config';

const start = (source: string, params: Record<string, unknown>, options: Record<string, unknown>) =>
  parseStartInput({ source, params, options }, 'run-1');

describe('the sync and ifBusy options', () => {
  it('default to a full drain that fails when the collection is busy', () => {
    const request = start('glue.getJobRuns', { JobName: 'j' }, {});

    expect(request).toMatchObject({ kind: 'new', config: { options: { sync: 'full', ifBusy: 'fail' } } });
  });

  it('accept an incremental sync of a Glue job that skips when busy', () => {
    const request = start('glue.getJobRuns', { JobName: 'j' }, { sync: 'incremental', ifBusy: 'skip' });

    expect(request).toMatchObject({ config: { options: { sync: 'incremental', ifBusy: 'skip' } } });
  });

  it.each([
    [{ sync: 'delta' }, 'options.sync must be one of: full, incremental; got "delta"'],
    [{ ifBusy: 'wait' }, 'options.ifBusy must be one of: fail, skip; got "wait"'],
  ])('refuse %j, naming the field and the allowed values', (options, message) => {
    expect(() => start('glue.getJobRuns', { JobName: 'j' }, options)).toThrow(message);
  });

  it('refuse an incremental sync of a source whose items carry no sync mark', () => {
    expect(() =>
      start('marketplace.orders', { MarketplaceId: 'ATVPDKIKX0DER' }, { sync: 'incremental' }),
    ).toThrow(
      'options.sync "incremental" is supported for: glue.getJobRuns; marketplace.orders allows only "full"',
    );
  });
});
