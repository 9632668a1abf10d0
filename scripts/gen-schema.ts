// Regenerates schema/*.schema.json from the zod schema (npm run schema). A unit test keeps them in sync.
import {writeFileSync} from 'node:fs';
import {answersJsonSchema, recipeJsonSchema} from '../src/recipes/json-schema.js';

writeFileSync(
  new URL('../schema/recipe.schema.json', import.meta.url),
  `${JSON.stringify(recipeJsonSchema(), null, 2)}\n`,
);
writeFileSync(
  new URL('../schema/answers.schema.json', import.meta.url),
  `${JSON.stringify(answersJsonSchema(), null, 2)}\n`,
);
