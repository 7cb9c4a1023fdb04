import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { ListExecutionsCommand, ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { listen } from '../../local/aws-json';
import { LOCAL_STATE_MACHINE_ARN } from '../../local/engine';
import { ALL_JOBS_ARN, consoleHarnessForThisFile } from './support';

const h = consoleHarnessForThisFile({ glue: { jobs: { tiny: 5 } } });

const sfnCall = (operation: string, body: unknown, headers: Record<string, string> = {}) =>
  h().request('POST', '/', {
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AWSStepFunctions.${operation}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });

const executionCount = async () =>
  (await h().sfn.send(new ListExecutionsCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN }))).executions
    ?.length ?? 0;

describe('requests not addressed to the local endpoint', () => {
  it.each([
    ['the console page', 'GET', '/'],
    ['a console API route', 'GET', `/console/api/examples?stateMachineArn=${LOCAL_STATE_MACHINE_ARN}`],
    ['the run API', 'GET', '/runs/some-run'],
  ])('refuses %s when the Host is a foreign name (DNS rebinding)', async (_what, method, path) => {
    const answer = await h().request(method, path, { headers: { host: `attacker.example:${h().port}` } });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text).message).toContain('the Host header was "attacker.example');
  });

  it('refuses a Step Functions call whose Host names another port', async () => {
    const answer = await sfnCall('ListStateMachines', {}, { host: `127.0.0.1:${h().port + 1}` });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text).__type).toBe('AccessDeniedException');
  });

  it('refuses a StartExecution posted from another site (its Origin) and starts nothing', async () => {
    const before = await executionCount();
    const answer = await sfnCall(
      'StartExecution',
      {
        stateMachineArn: LOCAL_STATE_MACHINE_ARN,
        input: '{"source":"glue.getJobRuns","params":{"JobName":"tiny"}}',
      },
      { origin: 'https://attacker.example' },
    );
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text).message).toContain('the Origin header was "https://attacker.example"');
    expect(await executionCount()).toBe(before);
  });

  it('refuses POST /runs from a page of another site, and from a sandboxed frame (Origin: null)', async () => {
    for (const origin of ['http://localhost.attacker.example:1234', 'null']) {
      const answer = await h().request('POST', '/runs', {
        headers: { origin, 'content-type': 'text/plain' },
        body: '{"source":"glue.getJobRuns","params":{"JobName":"tiny"}}',
      });
      expect(answer.status).toBe(403);
    }
  });

  it('answers the SDK (no Origin) and the console itself (its own origin, any loopback name)', async () => {
    const listed = await h().sfn.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((m) => m.stateMachineArn)).toEqual([
      LOCAL_STATE_MACHINE_ARN,
      ALL_JOBS_ARN,
    ]);
    for (const host of [`localhost:${h().port}`, `127.0.0.1:${h().port}`]) {
      const answer = await sfnCall('ListStateMachines', {}, { host, origin: `http://${host}` });
      expect(answer.status).toBe(200);
    }
  });

  it('puts the same check in front of the sandboxes and DynamoDB', async () => {
    const { stack } = h().runtime;
    for (const url of [stack.glueEndpoint, stack.marketplaceEndpoint, stack.dynamoEndpoint]) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { origin: 'https://attacker.example' },
        body: '{}',
      });
      expect(response.status, url).toBe(403);
    }
  });

  it('never listens beyond loopback', async () => {
    const server = createServer();
    await expect(listen(server, '0.0.0.0', 0)).rejects.toThrow('local servers listen on loopback only');
    expect(server.listening).toBe(false);
  });
});

describe('the console page', () => {
  it('is served at / with a Content-Security-Policy that allows no inline script but the import map, by its hash', async () => {
    const page = await h().request('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    const inline = scripts.filter(
      ([, attributes, body]) => !/\bsrc=/.test(attributes as string) && body !== '',
    );
    expect(inline.map(([, attributes]) => attributes)).toEqual([' type="importmap"']);
    const hash = createHash('sha256')
      .update(inline[0]?.[2] as string)
      .digest('base64');
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves its modules and dagre from node_modules, and nothing outside its folder', async () => {
    const app = await h().request('GET', '/console/app.js');
    expect(app.status).toBe(200);
    expect(app.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const dagre = await h().request('GET', '/console/vendor/dagre.js');
    expect(dagre.text).toContain('export{');
    for (const path of ['/console/../package.json', '/console/%2e%2e/package.json', '/console/routes.ts']) {
      expect((await h().request('GET', path)).status, path).not.toBe(200);
    }
  });

  it('is built without innerHTML: values reach the page only as text nodes and attributes', async () => {
    const files = [
      'app.js',
      'dom.js',
      'page.js',
      'graph.js',
      'machine-pages.js',
      'execution-page.js',
      'execution-panels.js',
    ];
    for (const file of files) {
      const text = (await h().request('GET', `/console/${file}`)).text;
      expect(text, file).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/,
      );
    }
  });
});
