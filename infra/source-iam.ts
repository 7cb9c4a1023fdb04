/**
 * What fetch-page may read, from the AWS definitions it deploys: each definition's actions on
 * its resource patterns, `{params.X}` filled with the values the deployment scopes X to
 * (`sourceScopes`, and `glueJobNames` for Glue's JobName). A param left open becomes `*` inside
 * the ARN (never a bare `*` where the service has resource ARNs), with a synth warning and a
 * cdk-nag acknowledgement saying so.
 */
import { Annotations, Stack } from 'aws-cdk-lib';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { assertIsError } from '../functions/lib/errors';
import { type AwsSourceDefinition, placeholdersIn } from '../functions/lib/sources/definition';
import { parseParamValue } from '../functions/lib/sources/params';
import { acknowledge, iam5ResourceFinding } from './nag';
import type { SourceDefinitions } from './source-definitions';

/** Values each param of a source is scoped to, by source name then param name. */
export type SourceScopes = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

/** The source and param `glueJobNames` scopes. */
export const GLUE_SCOPE = { source: 'glue.getJobRuns', param: 'JobName' } as const;

/** The params a definition's resource patterns name. */
function scopedParams(definition: AwsSourceDefinition): string[] {
  const patterns = definition.iam.resources.map((r) => (typeof r === 'string' ? r : r.pattern));
  return [...new Set(patterns.flatMap((p) => placeholdersIn(p)).map((p) => p.replace(/^params\./, '')))];
}

/**
 * The deployment's scopes, checked: each names a deployed AWS source and a param its resource
 * patterns use, with one or more values the param accepts. `glueJobNames` is Glue's JobName.
 */
export function resolveScopes(
  sources: SourceDefinitions,
  scopes: SourceScopes = {},
  glueJobNames?: readonly string[],
): SourceScopes {
  const out: Record<string, Record<string, readonly string[]>> = {};
  if (glueJobNames !== undefined) {
    if (glueJobNames.length === 0) {
      throw new Error('glueJobNames must name at least one Glue job when given; got an empty list');
    }
    if (scopes[GLUE_SCOPE.source]?.[GLUE_SCOPE.param] !== undefined) {
      throw new Error(`Give glueJobNames or sourceScopes.${GLUE_SCOPE.source}.${GLUE_SCOPE.param}, not both`);
    }
    if (!sources.aws.some((d) => d.name === GLUE_SCOPE.source)) {
      throw new Error(
        `glueJobNames scopes ${GLUE_SCOPE.source}, which this deployment does not deploy (sources)`,
      );
    }
    out[GLUE_SCOPE.source] = { [GLUE_SCOPE.param]: glueJobNames };
  }
  for (const [name, params] of Object.entries(scopes)) {
    const definition = sources.aws.find((d) => d.name === name);
    if (!definition) {
      const deployed = sources.aws.map((d) => d.name).join(', ') || 'none';
      throw new Error(
        `sourceScopes.${name} names no AWS source this deployment deploys; it deploys ${deployed}`,
      );
    }
    const usable = scopedParams(definition);
    for (const [param, values] of Object.entries(params)) {
      const field = `sourceScopes.${name}.${param}`;
      const spec = definition.params?.[param];
      if (!spec || !usable.includes(param)) {
        throw new Error(
          `${field} scopes nothing: ${name}'s IAM resources name ${usable.join(', ') || 'no param'}`,
        );
      }
      if (values.length === 0) throw new Error(`${field} must name at least one value when given; got none`);
      for (const [i, value] of values.entries()) {
        try {
          parseParamValue(param, spec, value);
        } catch (error) {
          assertIsError(error);
          throw new Error(`${field}[${i}]: ${error.message}`);
        }
      }
      out[name] = { ...out[name], [param]: values };
    }
  }
  return out;
}

/** `pattern` with the stack's partition, Region and account, and each combination of param values. */
function expand(
  pattern: string,
  stack: Stack,
  values: Readonly<Record<string, readonly string[]>>,
): string[] {
  const pseudo: Record<string, string> = {
    Partition: stack.partition,
    Region: stack.region,
    Account: stack.account,
  };
  let results = [
    pattern.replace(/\$\{(Partition|Region|Account)\}/g, (_, name: string) => pseudo[name] ?? ''),
  ];
  for (const placeholder of new Set(placeholdersIn(pattern))) {
    const options = values[placeholder.replace(/^params\./, '')] ?? ['*'];
    results = results.flatMap((r) => options.map((v) => r.replaceAll(`{${placeholder}}`, v)));
  }
  return results;
}

/** The setting that scopes a param, as a deployer types it. */
function setting(name: string, param: string): { key: string; hint: string } {
  return name === GLUE_SCOPE.source && param === GLUE_SCOPE.param
    ? { key: 'glueJobNames', hint: `-c glueJobNames=<${param}>,<${param}>` }
    : { key: `sourceScopes.${name}.${param}`, hint: `-c sourceScopes=${name}.${param}=<${param}>,...` };
}

/**
 * Grants `fn` each definition's actions on its resources, scoped by `scopes`; warns (and
 * acknowledges the cdk-nag finding, with the reason) for each param the deployment left open
 * and for an action the definition says supports no resource ARN.
 */
export function useSourceReads(
  fn: NodejsFunction,
  definitions: readonly AwsSourceDefinition[],
  scopes: SourceScopes,
): void {
  const stack = Stack.of(fn);
  for (const definition of definitions) {
    const given = scopes[definition.name] ?? {};
    const open = scopedParams(definition).filter((param) => given[param] === undefined);
    const resources = definition.iam.resources.flatMap((resource) => {
      if (typeof resource === 'string') return expand(resource, stack, given);
      const params = placeholdersIn(resource.pattern).map((p) => p.replace(/^params\./, ''));
      return params.every((p) => given[p] !== undefined)
        ? expand(resource.pattern, stack, given)
        : expand(resource.unscoped, stack, given);
    });
    const unique = [...new Set(resources)];
    fn.addToRolePolicy(new PolicyStatement({ actions: [...definition.iam.actions], resources: unique }));
    const actions = definition.iam.actions.join(', ');
    for (const resource of unique.filter((r) => r.includes('*'))) {
      const reason =
        resource === '*'
          ? (definition.iam.wildcardReason ?? `${actions} supports no resource-level permissions.`)
          : `Without ${open.map((p) => setting(definition.name, p).key).join(' and ')}, ${definition.name} may read any ` +
            `${open.join(' and ')}: it is chosen per execution. The action is only ${actions}; deploy with ` +
            `${open.map((p) => setting(definition.name, p).hint).join(' ')} to narrow it.`;
      acknowledge(fn.role as IRole, iam5ResourceFinding(fn, resource), reason);
    }
    for (const param of open) {
      const { key, hint } = setting(definition.name, param);
      // A warning on every synth (cdk synth prints it; --strict fails on it), besides the
      // cdk-nag acknowledgement: the reach is account-wide until someone narrows it.
      Annotations.of(fn).addWarningV2(
        key === 'glueJobNames' ? 'pagewalk:glueJobNames' : `pagewalk:${key}`,
        `${key} is not set: fetch-page may call ${actions} on every ${param} in this account and Region ` +
          '(its resource has a * there), and so may anyone allowed to start an execution or to call POST /runs. ' +
          `Deploy with ${hint} to allow only those.`,
      );
    }
  }
}
