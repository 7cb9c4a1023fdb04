/**
 * The definitions the local engine runs: the ASL files the CDK deploys, with their placeholders
 * filled in with local ARNs, each validated once per process.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { validatedOnce } from '../../schema/validated';
import type { LocalHandler } from './lambda-task';

/** The state machine file the CDK deploys and the local engine runs. */
export const DEFINITION_PATH = new URL('../../statemachine/pagewalk.asl.json', import.meta.url);

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_STATE_MACHINE_NAME = 'pagewalk';
export const LOCAL_STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${LOCAL_STATE_MACHINE_NAME}`;
/** The role local executions report in `$$.Execution.RoleArn` (and the local API in DescribeStateMachine). */
export const LOCAL_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/pagewalk-local`;

/** The ARN of the local execution named `name`, as AWS builds it from the state machine's. */
export function localExecutionArn(name: string, machineName: string = LOCAL_STATE_MACHINE_NAME): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${machineName}:${name}`;
}

/** The local ARN of the state machine named `name`. */
export function localStateMachineArn(name: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
}

/** One ASL file the local engine runs as a state machine, and what its placeholders stand for. */
export interface LocalMachineSpec {
  /** The state machine's name: `$$.StateMachine.Name` and part of every ARN. */
  readonly name: string;
  readonly definitionPath: URL;
  /** Placeholders that are not function ARNs, e.g. another state machine's ARN. */
  readonly substitutions?: Readonly<Record<string, string>>;
}

/** The pagewalk loop. */
export const PAGEWALK_MACHINE: LocalMachineSpec = {
  name: LOCAL_STATE_MACHINE_NAME,
  definitionPath: DEFINITION_PATH,
};

/** The all-jobs sync, which starts pagewalk executions as its children. */
export const ALL_JOBS_MACHINE: LocalMachineSpec = {
  name: 'pagewalk-all-jobs',
  definitionPath: new URL('../../statemachine/all-jobs.asl.json', import.meta.url),
  substitutions: { PagewalkStateMachineArn: LOCAL_STATE_MACHINE_ARN },
};

/** Placeholder name in the ASL (without `${}`) → the handler that stands behind it. */
export type LocalHandlers = Record<string, LocalHandler>;

/** The local ARN that stands in for a placeholder, e.g. `FetchPageFunctionArn` → `...:function:pagewalk-fetch-page`. */
export function localFunctionArn(placeholder: string): string {
  const base = placeholder
    .replace(/FunctionArn$/, '')
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase();
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:pagewalk-${base}`;
}

/** The partition local ARNs live in: what CDK substitutes for `${Partition}` in the commercial one. */
export const LOCAL_PARTITION = 'aws';

/** Loads the ASL file and fills in `${Placeholder}` exactly as CDK's definitionSubstitutions does. */
export function loadDefinition(
  placeholders: readonly string[],
  spec: LocalMachineSpec = PAGEWALK_MACHINE,
): StateMachineDefinition {
  const file = spec.definitionPath.pathname.slice(spec.definitionPath.pathname.indexOf('statemachine/'));
  const text = readFileSync(spec.definitionPath, 'utf8').replace(/\$\{(\w+)\}/g, (match, name: string) => {
    if (name === 'Partition') return LOCAL_PARTITION;
    const substitution = spec.substitutions?.[name];
    if (substitution !== undefined) return substitution;
    if (!placeholders.includes(name)) {
      throw new Error(`${file} uses ${match}, which the local runtime does not provide`);
    }
    return localFunctionArn(name);
  });
  return JSON.parse(text) as StateMachineDefinition;
}

/** The asl-validator the engine validates with (its own dependency): part of what a pass depends on. */
const ASL_VALIDATOR_VERSION = (() => {
  const require = createRequire(import.meta.url);
  const validator = createRequire(require.resolve('aws-local-stepfunctions')).resolve(
    'asl-validator/package.json',
  );
  return (JSON.parse(readFileSync(validator, 'utf8')) as { version: string }).version;
})();

/**
 * aws-local-stepfunctions validates the whole definition with asl-validator each time a
 * StateMachine is built, which costs a few hundred milliseconds; AWS does that once, at
 * deploy. So the file is read, filled in and validated once per set of placeholders, and that
 * machine serves every execution: `run` keeps its state per call. A definition that passed
 * once on this machine (the same text, the same validator) is not validated again in later
 * processes (schema/validated.ts); an edited file is.
 */
const loaded = new Map<string, { definition: StateMachineDefinition; machine: StateMachine }>();

export function loadedMachine(placeholders: readonly string[], spec: LocalMachineSpec) {
  const key = `${spec.name}:${[...placeholders].sort().join(',')}`;
  let entry = loaded.get(key);
  if (!entry) {
    const definition = loadDefinition(placeholders, spec);
    const machine = validatedOnce(
      'asl',
      [ASL_VALIDATOR_VERSION, JSON.stringify(definition)],
      (validate) =>
        new StateMachine(definition, { validationOptions: { checkArn: false, noValidate: !validate } }),
    );
    entry = { definition, machine };
    loaded.set(key, entry);
  }
  return entry;
}
