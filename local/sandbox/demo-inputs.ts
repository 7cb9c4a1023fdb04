/**
 * Inputs that name data the sandboxes serve, so every shipped source runs as a demo: `npm
 * start` fills in the params a command line leaves out from these, and the console prefills
 * its Start execution form with them.
 */
import { sourceDefinitions } from '../../functions/lib/sources/catalog';

/**
 * The params of `source` that name sandbox data: each param's `example` in its definition (the
 * Glue job `nightly-etl`, the US marketplace, the local S3's bucket `demo`, the local state
 * machine), as the CLI would type it (a list comma-separated). Of params that exclude each
 * other (exactly one of createdAfter and lastUpdatedAfter) only the first with an example, and
 * none when `given` names one of them; nothing `given` names.
 */
export function demoParams(source: string, given: readonly string[] = []): Readonly<Record<string, string>> {
  const definition = sourceDefinitions().find((d) => d.name === source);
  const params = definition?.params ?? {};
  const left = (definition?.paramRules ?? []).flatMap((rule) => {
    const names = rule.exactlyOne ?? [];
    const chosen = names.some((name) => given.includes(name))
      ? undefined
      : names.find((name) => params[name]?.example !== undefined);
    return names.filter((name) => name !== chosen);
  });
  return Object.fromEntries(
    Object.entries(params).flatMap(([name, spec]) =>
      spec?.example !== undefined && !given.includes(name) && !left.includes(name)
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
