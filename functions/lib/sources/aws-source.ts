/**
 * Every AWS source: one SDK v3 command called the way its definition says (botocore's words:
 * input token, output token, limit key, result key, more-results flag). The client is created
 * once per container, on the first call, with the handlers' hard timeouts and `maxAttempts: 1`
 * (every retry belongs to the state machine, which backs off while no Lambda is billed), and
 * with the SDK's own endpoint variable (`AWS_ENDPOINT_URL_S3`, ...) when it is set.
 */
import { createHash } from 'node:crypto';
import { InconsistentPage } from '../errors';
import { clientTimeouts, SOURCE_REQUEST_TIMEOUT_MS } from '../timeouts';
import { describe, isRecord } from '../validate';
import { type AwsClientModules, newCommand, type SdkClient, type SdkCommandClass } from './aws-client-types';
import { mapAwsSdkError } from './aws-errors';
import type { AwsSourceDefinition } from './definition';
import { describeDefinition } from './description';
import type { ParamValue, ParamValues } from './params';
import { toPlain } from './plain';
import type { Source, SourceCall, SourcePage } from './source';

/** A composite key's values longer than this (UTF-8 bytes) enter the key as their SHA-256. */
const MAX_KEY_PART_BYTES = 128;

/**
 * The command's input from the definition's template: `"{params.X}"` becomes the param's typed
 * value (a date-time param a Date, which the SDK sends as a timestamp) or, when the run has no
 * such param, leaves the member out; placeholders inside longer strings are filled as text; an
 * object or list left empty is left out too (CloudTrail's LookupAttributes without a filter).
 */
export function fillInput(template: unknown, params: ParamValues, dateParams: ReadonlySet<string>): unknown {
  if (typeof template === 'string') {
    const whole = /^\{params\.([A-Za-z0-9_]+)\}$/.exec(template);
    if (whole) {
      const name = whole[1] as string;
      const value: ParamValue | undefined = params[name];
      return value !== undefined && dateParams.has(name) ? new Date(String(value)) : value;
    }
    return template.replace(/\{params\.([A-Za-z0-9_]+)\}/g, (_, name: string) => String(params[name] ?? ''));
  }
  if (Array.isArray(template)) {
    const filled = template.map((t) => fillInput(t, params, dateParams)).filter((v) => v !== undefined);
    return filled.length === 0 && template.length > 0 ? undefined : filled;
  }
  if (isRecord(template)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) {
      const filled = fillInput(value, params, dateParams);
      if (filled !== undefined) out[key] = filled;
    }
    return Object.keys(out).length === 0 && Object.keys(template).length > 0 ? undefined : out;
  }
  return template;
}

function keyPart(value: unknown): unknown {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return Buffer.byteLength(text) > MAX_KEY_PART_BYTES
    ? `sha256:${createHash('sha256').update(text).digest('hex')}`
    : value;
}

/** A source built from an AWS definition, calling the client and command `modules` carry. */
export function createAwsSource(
  definition: AwsSourceDefinition,
  modules: AwsClientModules,
): Source<ParamValues> {
  const { pagination, client: named } = definition;
  const dateParams = new Set(
    Object.entries(definition.params ?? {})
      .filter(([, spec]) => spec?.format === 'date-time')
      .map(([name]) => name),
  );
  let connected: Promise<[SdkClient, SdkCommandClass]> | undefined;

  const connect = async (): Promise<[SdkClient, SdkCommandClass]> => {
    const module = await modules[named.package]?.();
    const Client = module?.clients[named.name];
    const Command = module?.commands[named.command];
    if (!Client || !Command) {
      throw new Error(
        `${definition.name} calls ${named.package} ${named.name}.${named.command}, which this bundle does not carry: ` +
          'deploy the definition (the stack bundles the clients of the definitions it deploys), or run npm run generate',
      );
    }
    const endpoint = process.env[named.endpointVariable];
    const client = new Client({
      maxAttempts: 1,
      ...clientTimeouts(SOURCE_REQUEST_TIMEOUT_MS),
      ...(endpoint ? { endpoint } : {}),
      ...named.config,
    });
    return [client, Command];
  };

  const toPage = (output: unknown): SourcePage => {
    if (!isRecord(output)) throw new InconsistentPage(`${definition.name} answered ${describe(output)}`);
    const items = output[pagination.resultKey] ?? [];
    if (!Array.isArray(items) || !items.every(isRecord)) {
      throw new InconsistentPage(
        `${definition.name} answered without a list of items in ${pagination.resultKey}`,
      );
    }
    const token = output[pagination.outputToken];
    let hasNext: boolean | null = null;
    if (pagination.moreResults !== undefined) {
      const flag = output[pagination.moreResults];
      if (typeof flag !== 'boolean') {
        throw new InconsistentPage(
          `${definition.name} answered without ${pagination.moreResults}; got ${describe(flag)}`,
        );
      }
      hasNext = flag;
    }
    return {
      items: items.map((item) => toPlain(item) as Record<string, unknown>),
      nextToken: typeof token === 'string' && token !== '' ? token : null,
      hasNext,
      moreResultsAvailable: null,
    };
  };

  const fetch = async (call: SourceCall<ParamValues>): Promise<SourcePage> => {
    // Once per container; a failed first connection (a package the bundle lacks) is not kept.
    connected ??= connect().catch((error: unknown) => {
      connected = undefined;
      throw error;
    });
    const [sdk, CommandClass] = await connected;
    const filled = fillInput(definition.input, call.params, dateParams);
    const input: Record<string, unknown> = {
      ...(isRecord(filled) ? filled : {}),
      [pagination.limitKey]: call.pageSize,
      ...(call.kind === 'continuation' && call.nextToken !== undefined
        ? { [pagination.inputToken]: call.nextToken }
        : {}),
    };
    return toPage(await sdk.send(newCommand(CommandClass, input)));
  };

  return {
    ...describeDefinition(definition),
    fetch,

    itemKey(item) {
      const values = definition.itemKey.map((member) => item[member]);
      const missing = definition.itemKey.filter(
        (_, i) => values[i] === undefined || values[i] === null || values[i] === '',
      );
      if (missing.length > 0) {
        throw new InconsistentPage(`${definition.name} returned an item without ${missing.join(', ')}`);
      }
      if (values.length === 1) {
        const [value] = values;
        return typeof value === 'string' ? value : JSON.stringify(value);
      }
      return JSON.stringify(values.map(keyPart));
    },

    mapError: (error, call) => mapAwsSdkError(error, call === 'continuation', definition.errors),
  };
}
