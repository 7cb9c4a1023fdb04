import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { definitionSchema } from '../../schema/definition-schema';
import { checkDefinitionsDir } from '../../schema/definitions';
import {
  AWS_CLIENTS_PATH,
  type FromDefinitions,
  fromDefinitions,
  TYPES_PATH,
} from '../../schema/generate-sources';

const read = (url: URL) => readFileSync(url, 'utf8');
const README = new URL('../../README.md', import.meta.url);
let cached: Promise<FromDefinitions> | undefined;
/** What the generator would write now, computed once for the file. */
const generated = () =>
  (cached ??= fromDefinitions(
    checkDefinitionsDir('sources').map(({ definition }) => definition),
    read(README),
  ));

describe('what npm run generate writes from the definitions is current', () => {
  it('the TypeScript types, generated from the schema', async () => {
    expect(read(TYPES_PATH)).toBe((await generated()).types);
  });

  it('the #aws-clients module the local runtime and the tests use', async () => {
    expect(read(AWS_CLIENTS_PATH)).toBe((await generated()).awsClients);
  });

  it("the README's source list", async () => {
    expect((await generated()).readme).toBe(read(README));
  });
});

describe('the definition schema', () => {
  it('has an $id, and every file in sources/ points editors at it', () => {
    expect(definitionSchema().$id).toBe(
      'https://github.com/pagewalk/pagewalk/blob/main/schema/source-definition.schema.json',
    );
    for (const file of readdirSync('sources').filter((f) => f.endsWith('.json'))) {
      const json = JSON.parse(readFileSync(`sources/${file}`, 'utf8')) as Record<string, unknown>;
      expect({ file, $schema: json.$schema }).toEqual({
        file,
        $schema: '../schema/source-definition.schema.json',
      });
    }
  });
});
