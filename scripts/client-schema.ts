import path from 'node:path';
import openapiTS, { COMMENT_HEADER, astToString } from 'openapi-typescript';
import { buildOpenApiDocument } from '../server/openapi-document.js';

// The typed client's types (client/schema.ts), generated from the API's own OpenAPI document by
// openapi-typescript. `npm run generate:client` writes them; test/client/drift.test.ts fails
// when the committed file is not what this generates now.

export const CLIENT_SCHEMA_PATH = path.resolve(import.meta.dirname, '..', 'client', 'schema.ts');

const HEADER = `${COMMENT_HEADER.trimEnd()}
// Regenerate with \`npm run generate:client\` after changing a route (test/client/drift.test.ts).

`;

/** The source of client/schema.ts for the API as declared now. */
export async function clientSchemaSource(): Promise<string> {
  // openapi-typescript reads an object in place; hand it a copy of the generated document
  const document = JSON.parse(JSON.stringify(buildOpenApiDocument())) as Parameters<
    typeof openapiTS
  >[0];
  const ast = await openapiTS(document, { silent: true });
  return HEADER + astToString(ast);
}
