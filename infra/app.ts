import './synth-env';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackPropsFromContext } from './context';
import { PagewalkStack } from './pagewalk-stack';

/**
 * The CDK app that `cdk.json` runs. The stack is environment-agnostic: it deploys to the
 * account and Region of the credentials in use. Optional settings come from context
 * (see `stackPropsFromContext`).
 */
const app = new App();

new PagewalkStack(app, 'Pagewalk', {
  stackName: 'Pagewalk',
  description:
    'pagewalk: drains a NextToken-paginated API into DynamoDB, a bounded number of pages per Lambda invocation',
  ...stackPropsFromContext(app.node),
});

Tags.of(app).add('project', 'pagewalk');

// cdk-nag's AWS Solutions rules run on every synth: an unacknowledged finding fails it. Each
// acknowledgement sits beside the resource it concerns, with its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
