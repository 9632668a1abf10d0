import {z} from 'zod';
import {recipeSchema, valuesSchema} from './schema.js';

/** The recipe schema as JSON Schema, for editors (`# yaml-language-server: $schema=...`). Same source as validation. */
export function recipeJsonSchema(): Record<string, unknown> {
  return {
    title: 'portcullis recipe',
    ...(z.toJSONSchema(recipeSchema, {io: 'input'}) as Record<string, unknown>),
  };
}

export function answersJsonSchema(): Record<string, unknown> {
  return {title: 'portcullis answers', ...(z.toJSONSchema(valuesSchema, {io: 'input'}) as Record<string, unknown>)};
}
