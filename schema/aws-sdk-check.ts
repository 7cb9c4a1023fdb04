/**
 * Checks an AWS source definition against the SDK it names, at synth and before a local run:
 * the client package is installed, it exports the client and the command, and every member the
 * definition names is one the command's model has, of the right type. The model is the one the
 * SDK itself serializes with (each client exports `<Operation>$`, read through @smithy/core's
 * NormalizedSchema), so the names are exactly the SDK's.
 */
import { createRequire } from 'node:module';
import { NormalizedSchema } from '@smithy/core/schema';
import {
  type AwsSourceDefinition,
  DefinitionError,
  type ParamSpec,
} from '../functions/lib/sources/definition';
import { isRecord } from '../functions/lib/validate';

// Loading a client prints the SDK's notice that it will need Node 22 (Lambda runs 22): noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const load = createRequire(import.meta.url);

/** A schema reference as the SDK's static schemas hold them. */
type SchemaRef = Parameters<typeof NormalizedSchema.of>[0];

/** A member's type in words, as messages give it. */
function typeOf(schema: NormalizedSchema): string {
  if (schema.isTimestampSchema()) return 'a timestamp';
  if (schema.isStringSchema()) return 'a string';
  if (schema.isNumericSchema()) return 'a number';
  if (schema.isBooleanSchema()) return 'a boolean';
  if (schema.isListSchema()) return `a list of ${typeOf(schema.getValueSchema()).replace(/^an? /, '')}s`;
  if (schema.isStructSchema()) return 'a structure';
  if (schema.isMapSchema()) return 'a map';
  return 'a value';
}

function members(schema: NormalizedSchema): Map<string, NormalizedSchema> {
  return new Map(schema.isStructSchema() ? [...schema.structIterator()] : []);
}

/** The type a param's value has once parsed, in typeOf's words. */
function paramType(spec: ParamSpec): string {
  if (spec.type === 'integer') return 'a number';
  if (spec.type === 'boolean') return 'a boolean';
  if (spec.type === 'stringList') return 'a list of strings';
  return spec.format === 'date-time' ? 'a timestamp' : 'a string';
}

/** The type of a literal template value, in typeOf's words, or undefined for objects and lists. */
function literalType(value: unknown): string | undefined {
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return undefined;
}

/** The SDK's environment variable for a service id: `CloudWatch Logs` → `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`. */
export function endpointVariableOf(serviceId: string): string {
  return `AWS_ENDPOINT_URL_${serviceId.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/**
 * Fails with `InvalidSourceDefinition` naming `where` and the field when the definition names
 * a package, client, command or member the SDK does not have, or a member of another type.
 */
export function checkAgainstSdk(definition: AwsSourceDefinition, where: string): void {
  // Tests synthesize many stacks from the same files: each definition is read against the SDK once.
  const key = `${where}\n${JSON.stringify(definition)}`;
  if (checked.has(key)) return;
  checkModel(definition, where);
  checked.add(key);
}

const checked = new Set<string>();

function checkModel(definition: AwsSourceDefinition, where: string): void {
  const fail = (message: string): never => {
    throw new DefinitionError(where, message);
  };
  const { client, pagination } = definition;
  let sdk: Record<string, unknown> = {};
  try {
    sdk = load(client.package) as Record<string, unknown>;
  } catch {
    fail(`/client/package ${client.package} is not installed: npm i ${client.package}`);
  }
  const clientClass = sdk[client.name];
  if (typeof clientClass !== 'function') {
    const clients = Object.keys(sdk).filter((k) => /^[A-Z]\w*Client$/.test(k) && k !== 'Client');
    fail(
      `/client/name ${client.name} is not exported by ${client.package}; it exports ${clients.join(', ')}`,
    );
  }
  const operation = client.command.replace(/Command$/, '');
  const staticSchema = sdk[`${operation}$`];
  if (typeof sdk[client.command] !== 'function' || !Array.isArray(staticSchema) || staticSchema[0] !== 9) {
    fail(`/client/command ${client.command} is not a command of ${client.package}`);
  }
  const [input, output] = [
    NormalizedSchema.of((staticSchema as unknown[])[4] as SchemaRef),
    NormalizedSchema.of((staticSchema as unknown[])[5] as SchemaRef),
  ];
  const inputMembers = members(input);
  const outputMembers = members(output);
  const command = `${client.command}'s`;

  // The client itself: its service id names the endpoint variable, its config the settings.
  const created = new (
    clientClass as new (
      config: object,
    ) => { config: Record<string, unknown>; destroy(): void }
  )({ region: 'us-east-1' });
  const serviceId = String(created.config.serviceId ?? '');
  const configKeys = Object.keys(created.config);
  created.destroy();
  const variable = endpointVariableOf(serviceId);
  if (client.endpointVariable !== variable) {
    fail(
      `/client/endpointVariable must be ${variable}, the SDK's variable for ${serviceId}; got ${client.endpointVariable}`,
    );
  }
  for (const key of Object.keys(client.config ?? {})) {
    if (!configKeys.includes(key)) fail(`/client/config/${key} is not a setting of ${client.name}`);
  }

  const expect = (
    at: string,
    side: Map<string, NormalizedSchema>,
    member: string,
    wanted: (s: NormalizedSchema) => boolean,
    what: string,
  ): NormalizedSchema => {
    const schema = side.get(member);
    if (!schema) {
      return fail(
        `${at} ${member} is not a member of ${command} ${side === inputMembers ? 'input' : 'output'}; it has ${[...side.keys()].join(', ')}`,
      );
    }
    if (!wanted(schema)) fail(`${at} ${member} is ${typeOf(schema)} in ${command} model, not ${what}`);
    return schema;
  };
  expect(
    '/pagination/inputToken',
    inputMembers,
    pagination.inputToken,
    (s) => s.isStringSchema(),
    'a string',
  );
  expect('/pagination/limitKey', inputMembers, pagination.limitKey, (s) => s.isNumericSchema(), 'a number');
  expect(
    '/pagination/outputToken',
    outputMembers,
    pagination.outputToken,
    (s) => s.isStringSchema(),
    'a string',
  );
  if (pagination.moreResults !== undefined) {
    expect(
      '/pagination/moreResults',
      outputMembers,
      pagination.moreResults,
      (s) => s.isBooleanSchema(),
      'a boolean',
    );
  }
  const items = expect(
    '/pagination/resultKey',
    outputMembers,
    pagination.resultKey,
    (s) => s.isListSchema() && s.getValueSchema().isStructSchema(),
    'a list of structures',
  ).getValueSchema();
  const itemMembers = members(items);
  for (const [i, member] of definition.itemKey.entries()) {
    if (!itemMembers.has(member)) {
      fail(
        `/itemKey/${i} ${member} is not a member of the items in ${pagination.resultKey}; they have ${[...itemMembers.keys()].join(', ')}`,
      );
    }
  }
  checkTemplate('/input', definition.input, input, definition, fail);
}

/** The input template's members exist in the model, and each value fits its member's type. */
function checkTemplate(
  at: string,
  template: unknown,
  schema: NormalizedSchema,
  definition: AwsSourceDefinition,
  fail: (message: string) => never,
): void {
  const placeholder = typeof template === 'string' ? /^\{params\.([A-Za-z0-9_]+)\}$/.exec(template) : null;
  const spec = placeholder ? definition.params?.[placeholder[1] as string] : undefined;
  const actual = typeOf(schema);
  if (spec) {
    const given = paramType(spec);
    if (given !== actual)
      fail(`${at} is ${actual} in the SDK's model; {${placeholder?.[0].slice(1, -1)}} is ${given}`);
    return;
  }
  if (schema.isStructSchema() && isRecord(template)) {
    const known = members(schema);
    for (const [name, value] of Object.entries(template)) {
      const member = known.get(name);
      if (!member)
        fail(
          `${at}/${name} is not a member of the command's input here; it has ${[...known.keys()].join(', ')}`,
        );
      checkTemplate(`${at}/${name}`, value, member as NormalizedSchema, definition, fail);
    }
    return;
  }
  if (schema.isListSchema() && Array.isArray(template)) {
    template.forEach((value, i) => {
      checkTemplate(`${at}/${i}`, value, schema.getValueSchema(), definition, fail);
    });
    return;
  }
  const literal = literalType(template);
  if (
    literal !== actual &&
    !(literal === 'a string' && typeof template === 'string' && template.includes('{'))
  ) {
    fail(`${at} is ${actual} in the SDK's model; got ${JSON.stringify(template)}`);
  }
}
