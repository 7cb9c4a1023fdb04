/**
 * The Start execution form's inputs: an example per source, read from the schema's examples
 * (`schema/execution-input.schema.json`) with params that name sandbox data, and the check an
 * input passes before it is sent: the endpoint's own (size, JSON, depth), the schema, and the
 * first state's own validation, whose message names the field and what is allowed.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { isErrorNamed } from '../functions/lib/errors';
import { parseStartInput } from '../functions/lib/run-config';
import { parseAllJobsInput } from '../functions/lib/sync/all-jobs-config';
import { isRecord } from '../functions/lib/validate';
import { ALL_JOBS_MACHINE } from '../local/engine';
import { ALL_JOBS_DEMO_INPUT, demoParams } from '../local/sandbox/demo-inputs';
import { parseExecutionInput } from '../local/sfn/execution-input';
import { isValidName } from '../local/sfn/protocol';

const SCHEMA_PATH = new URL('../schema/execution-input.schema.json', import.meta.url);

/** An example input the form offers. */
export interface ExampleInput {
  readonly label: string;
  readonly input: unknown;
}

/** Why an input is refused: the error name the state machine would fail with, and its message. */
export interface InputProblem {
  readonly error: string;
  readonly message: string;
}

type Json = Record<string, unknown>;

let compiled: { schema: Json; validate: ReturnType<Ajv2020['compile']> } | undefined;
function schema() {
  if (!compiled) {
    const parsed = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Json;
    const ajv = new Ajv2020({ allErrors: false, strict: false });
    addFormats(ajv);
    compiled = { schema: parsed, validate: ajv.compile(parsed) };
  }
  return compiled;
}

/** The params schema the schema gives `source` (its `if source = X then params` branch). */
function paramsSchemaOf(root: Json, source: string): Json | undefined {
  for (const branch of Array.isArray(root.allOf) ? root.allOf : []) {
    if (!isRecord(branch) || !isRecord(branch.if) || !isRecord(branch.then)) continue;
    const sourceRule = isRecord(branch.if.properties) ? branch.if.properties.source : undefined;
    if (!isRecord(sourceRule) || sourceRule.const !== source) continue;
    const props = isRecord(branch.then.properties) ? branch.then.properties.params : undefined;
    return isRecord(props) ? props : undefined;
  }
  return undefined;
}

/** A value for a required param: the sandbox's demo value, else the schema's example or default. */
function exampleValue(source: string, name: string, spec: unknown): unknown {
  const demo = demoParams(source)[name];
  if (demo !== undefined) return demo;
  if (isRecord(spec)) {
    if (Array.isArray(spec.examples) && spec.examples.length > 0) return spec.examples[0];
    if (spec.default !== undefined) return spec.default;
    if (spec.type === 'integer') return spec.minimum ?? 1;
  }
  return '';
}

/** The examples the form offers for a state machine, the default one first. */
export function exampleInputs(stateMachineName: string): ExampleInput[] {
  if (stateMachineName === ALL_JOBS_MACHINE.name) {
    return [{ label: 'every Glue job, incremental', input: ALL_JOBS_DEMO_INPUT }];
  }
  const root = schema().schema;
  const sourceProperty = isRecord(root.properties) ? root.properties.source : undefined;
  const sources =
    isRecord(sourceProperty) && Array.isArray(sourceProperty.examples) ? sourceProperty.examples : [];
  return sources
    .filter((s): s is string => typeof s === 'string')
    .map((source) => {
      const params = paramsSchemaOf(root, source);
      const required = Array.isArray(params?.required) ? params.required.map(String) : [];
      const properties = isRecord(params?.properties) ? params.properties : {};
      // The required params, and the demo's others (spapi.orders' createdAfter, which a rule
      // across params asks for: exactly one of createdAfter and lastUpdatedAfter).
      const names = [...new Set([...required, ...Object.keys(demoParams(source))])];
      return {
        label: source,
        input: {
          source,
          params: Object.fromEntries(
            names.map((name) => [name, exampleValue(source, name, properties[name])]),
          ),
        },
      };
    });
}

/** Why StartExecution would refuse an execution name (AWS says only `Invalid Name`), if it would. */
export function checkName(name: string): InputProblem | undefined {
  if (isValidName(name)) return undefined;
  return {
    error: 'InvalidName',
    message: `the name must be 1 to 80 characters, with no whitespace, no control character and none of < > { } [ ] ? * " # % \\ ^ | ~ \` $ & , ; : /; got ${JSON.stringify(name)}`,
  };
}

/**
 * Checks an input as the state machine `stateMachineName` would: undefined when it would be
 * accepted, else the problem, worded as the endpoint (StartExecution) or the first state
 * (InvalidInput) words it.
 */
export function checkInput(
  stateMachineName: string,
  text: string,
  executionName: string,
): InputProblem | undefined {
  let input: unknown;
  try {
    input = parseExecutionInput(text);
  } catch (error) {
    if (error instanceof Error) return { error: error.name, message: error.message };
    throw error;
  }
  try {
    if (stateMachineName === ALL_JOBS_MACHINE.name) {
      parseAllJobsInput(input, executionName);
      return undefined;
    }
    parseStartInput(input, executionName);
  } catch (error) {
    if (isErrorNamed(error, 'InvalidInput')) {
      return { error: 'InvalidInput', message: error.message };
    }
    throw error;
  }
  // Start run accepted it; the schema is stricter only where the state machine writes the input itself.
  const { validate } = schema();
  if (validate(input)) return undefined;
  const first = validate.errors?.[0];
  return {
    error: 'InvalidInput',
    message: `the input does not match schema/execution-input.schema.json at ${first?.instancePath || '/'}: ${first?.message ?? 'invalid'}`,
  };
}
