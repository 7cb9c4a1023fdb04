import { readFileSync } from 'node:fs';
import { fromRepoRoot } from './paths';

/**
 * Reads an ASL file of `statemachine/` for deployment. The files name the commercial
 * partition in their service-integration ARNs (`arn:aws:states:::states:startExecution`), so
 * each file is valid Amazon States Language as committed and the local engine runs it as is;
 * deployed, those ARNs take the stack's partition through the `${Partition}` substitution,
 * so they hold in aws-cn and aws-us-gov too.
 */
export function readDefinitionForDeploy(...segments: string[]): string {
  return partitionAware(readFileSync(fromRepoRoot(...segments), 'utf8'));
}

/** The definition with every `arn:aws:states:::` service integration made `arn:${Partition}:states:::`. */
export function partitionAware(definition: string): string {
  return definition.replaceAll('"arn:aws:states:::', `"arn:\${Partition}:states:::`);
}
