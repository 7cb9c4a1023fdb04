/**
 * Flags shared by `pagewalk start`/`resume` and `npm start`, built from one place: the
 * run-option table (functions/lib/run-options.ts) and the source flags.
 */
import type { Command } from 'commander';
import { RUN_OPTIONS, type RunOptionSpec } from '../functions/lib/run-options';
import { optionHelp } from './input';

/** Repeatable flags collect their values. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The flags that become execution `options`, one per row of the run-option table. */
export function addRunOptionFlags(command: Command): Command {
  for (const spec of RUN_OPTIONS as readonly RunOptionSpec[]) {
    command.option(`--${spec.flag} ${spec.value}`, optionHelp(spec));
  }
  return command;
}

/** What to drain: `--source`, `--job`, `--param`. */
export function addSourceFlags(command: Command): Command {
  return command
    .option(
      '--source <name>',
      'glue.getJobRuns (default), marketplace.orders, marketplace.reports, marketplace.customers, or any definition in sources/',
    )
    .option('--job <name>', 'Glue job name (params.JobName)')
    .option(
      '--param <key=value>',
      'a source parameter (repeatable), e.g. --param MarketplaceId=ATVPDKIKX0DER',
      collect,
    );
}
