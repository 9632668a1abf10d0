// Regenerates schema/*.schema.json from the zod schemas (npm run schema). Unit tests keep them in sync.
import {writeFileSync} from 'node:fs';
import {resultJsonSchema} from '../src/present/result-schema.js';
import {answersJsonSchema, recipeJsonSchema} from '../src/recipes/json-schema.js';

const write = (file: string, schema: Record<string, unknown>) =>
  writeFileSync(new URL(`../schema/${file}`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);

write('recipe.schema.json', recipeJsonSchema());
write('answers.schema.json', answersJsonSchema());
write('result.schema.json', resultJsonSchema());
