import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { definitionSchema } from '../../schema/definition-schema';
import { checkDefinitionsDir } from '../../schema/definitions';
import {
  AWS_CLIENTS_PATH,
  definitionTypes,
  repoAwsClients,
  SOURCES_END,
  SOURCES_START,
  sourceListTable,
  TYPES_PATH,
  withSection,
} from '../../schema/generate-sources';

const read = (url: URL) => readFileSync(url, 'utf8');
const definitions = checkDefinitionsDir('sources').map(({ definition }) => definition);

describe('what npm run generate writes from the definitions is current', () => {
  it('the TypeScript types, generated from the schema', async () => {
    expect(read(TYPES_PATH)).toBe(await definitionTypes());
  });

  it('the #aws-clients module the local runtime and the tests use', () => {
    expect(read(AWS_CLIENTS_PATH)).toBe(repoAwsClients(definitions));
  });

  it("the README's source list", () => {
    const readme = read(new URL('../../README.md', import.meta.url));
    expect(withSection(readme, SOURCES_START, SOURCES_END, sourceListTable(definitions))).toBe(readme);
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
