import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CLIENT_SCHEMA_PATH, clientSchemaSource } from '../../scripts/client-schema.js';

// The typed client's types are generated from the routes' OpenAPI document and committed
// (client/schema.ts). A route changed without `npm run generate:client` fails here.

describe('client/schema.ts', () => {
  it('is what npm run generate:client makes of the API as declared now', async () => {
    const committed = await readFile(CLIENT_SCHEMA_PATH, 'utf8');
    const generated = await clientSchemaSource();
    // A diff of 12,000 lines helps nobody: say which line differs first.
    if (committed !== generated) {
      const a = committed.split('\n');
      const b = generated.split('\n');
      const line = a.findIndex((text, i) => text !== b[i]);
      expect.fail(
        `client/schema.ts is stale (first difference at line ${line + 1}: ` +
          `committed ${JSON.stringify(a[line])}, generated ${JSON.stringify(b[line])}); ` +
          'run npm run generate:client',
      );
    }
  });
});
