import {readFileSync} from 'node:fs';
import {Ajv2020} from 'ajv/dist/2020.js';

/**
 * The published contract of --json (schema/result.schema.json), read from the file the package ships and
 * compiled by Ajv, a validator independent of the zod schemas the file is generated from.
 */
const published = JSON.parse(readFileSync(new URL('../../schema/result.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({allErrors: true, strict: true}).compile(published);

/** Parses one --json document and throws, naming every violation, unless it matches the published schema. */
export function parseResult<T = Record<string, unknown>>(stdout: string): T {
  const doc: unknown = JSON.parse(stdout);
  if (!validate(doc)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new Error(`--json output does not match schema/result.schema.json:\n  ${errors.join('\n  ')}`);
  }
  return doc as T;
}
