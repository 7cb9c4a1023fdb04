/**
 * Inputs that name data the sandboxes serve, so every shipped source runs as a demo: `npm
 * start` fills in the params a command line leaves out from these, and the console prefills
 * its Start execution form with them.
 */

/** Per source, params naming sandbox data: the Glue job `nightly-etl`, the US marketplace. */
export const DEMO_PARAMS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'glue.getJobRuns': { JobName: 'nightly-etl' },
  'marketplace.orders': { MarketplaceId: 'ATVPDKIKX0DER' },
  'marketplace.customers': { MarketplaceId: 'ATVPDKIKX0DER' },
  'marketplace.reports': {},
};

/** An all-jobs sync of every sandbox job, four at a time, down to what the last sync left. */
export const ALL_JOBS_DEMO_INPUT = {
  source: 'glue.allJobs',
  params: {},
  options: { sync: 'incremental', maxConcurrency: 4 },
} as const;
