import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildOpenApiDocument } from '../server/openapi-document.js';

// Writes the API's OpenAPI document, built in-process as GET /openapi.json serves it but without
// starting a server, a database or Temporal, to the file named (default
// test-artifacts/openapi.json). `npm run lint:openapi` lints it with Redocly (redocly.yaml).

const file = path.resolve(process.argv[2] ?? 'test-artifacts/openapi.json');
await mkdir(path.dirname(file), { recursive: true });
await writeFile(file, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), file)}`);
