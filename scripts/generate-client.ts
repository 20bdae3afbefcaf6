import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLIENT_SCHEMA_PATH, clientSchemaSource } from './client-schema.js';

// `npm run generate:client`: regenerates client/schema.ts, the types of the typed client
// (client/index.ts), from the OpenAPI document the routes declare. No server is started.

await writeFile(CLIENT_SCHEMA_PATH, await clientSchemaSource());
console.log(`wrote ${path.relative(process.cwd(), CLIENT_SCHEMA_PATH)}`);
