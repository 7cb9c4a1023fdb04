/**
 * Inputs that name data the sandboxes serve, so every shipped source runs as a demo: `npm
 * start` fills in the params a command line leaves out from these, and the console prefills
 * its Start execution form with them.
 */
import { sourceDefinitions } from '../../functions/lib/sources/catalog';

/**
 * The params of `source` that name sandbox data: each required param's `example` in its
 * definition (the Glue job `nightly-etl`, the US marketplace, the local S3's bucket `demo`, the
 * local state machine), as the CLI would type it (a list comma-separated).
 */
export function demoParams(source: string): Readonly<Record<string, string>> {
  const definition = sourceDefinitions().find((d) => d.name === source);
  return Object.fromEntries(
    Object.entries(definition?.params ?? {}).flatMap(([name, spec]) =>
      spec?.required && spec.example !== undefined
        ? [[name, Array.isArray(spec.example) ? spec.example.join(',') : String(spec.example)]]
        : [],
    ),
  );
}

/** An all-jobs sync of every sandbox job, four at a time, down to what the last sync left. */
export const ALL_JOBS_DEMO_INPUT = {
  source: 'glue.allJobs',
  params: {},
  options: { sync: 'incremental', maxConcurrency: 4 },
} as const;
