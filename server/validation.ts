/**
 * The one Ajv instance of the API: request bodies are checked against the
 * schemas of schemas.ts (the OpenAPI document's components) before a handler
 * sees them, and errors come back located, one line each
 * (`body/version: must be an integer`), like the CLI's `file:line:col`.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ApiError } from './errors';
import { schemas } from './schemas';

export const DOC_ID = 'swarmflow-api';

let ajv: Ajv2020 | null = null;

/** The shared instance, with every component schema registered under `swarmflow-api#/components/schemas/<name>`. */
export function apiAjv(): Ajv2020 {
  if (ajv) return ajv;
  const a = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addFormats(a);
  // The schemas live where the OpenAPI document keeps them, so their `$ref`s work in both.
  a.addKeyword('components');
  a.addSchema({ $id: DOC_ID, components: { schemas } });
  ajv = a;
  return a;
}

const compiled = new Map<string, ValidateFunction>();

export function validatorFor(name: string): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    if (!(name in schemas)) throw new Error(`no schema named ${name} in server/schemas.ts`);
    v = apiAjv().compile({ $ref: `${DOC_ID}#/components/schemas/${name}` });
    compiled.set(name, v);
  }
  return v;
}

/** One line per error, deepest first dropped of the noise Ajv adds for `oneOf`/`anyOf` branches. */
export function locatedErrors(errors: readonly ErrorObject[] | null | undefined, root = 'body'): string[] {
  const out: string[] = [];
  for (const e of errors ?? []) {
    const at = `${root}${e.instancePath}`;
    let line: string;
    switch (e.keyword) {
      case 'additionalProperties':
        line = `${at}: unknown property ${JSON.stringify((e.params as { additionalProperty?: string }).additionalProperty ?? '')}`;
        break;
      case 'required':
        line = `${at}: missing required property ${JSON.stringify((e.params as { missingProperty?: string }).missingProperty ?? '')}`;
        break;
      case 'oneOf':
        line = `${at}: give exactly one of "yaml" (a definition to run) or "swarm" (a stored definition)`;
        break;
      case 'propertyNames':
        line = `${at}: a key is not allowed here (layout keys are JSON pointers such as "/steps/0")`;
        break;
      case 'pattern':
        line = `${at}: does not have the expected form (${(e.params as { pattern?: string }).pattern ?? ''})`;
        break;
      default:
        line = `${at}: ${e.message ?? e.keyword}`;
    }
    if (!out.includes(line)) out.push(line);
  }
  // The branches of a failed oneOf each report a missing property; the oneOf line says it better.
  if (out.some((l) => l.includes('give exactly one of'))) return out.filter((l) => !/^body: missing required property "(yaml|swarm)"$/.test(l));
  return out;
}

/** Checks a parsed body; throws a 400 `invalid_body` listing every problem. */
export function checkBody<T>(name: string, value: unknown): T {
  const v = validatorFor(name);
  if (v(value)) return value as T;
  throw new ApiError('invalid_body', `the request body does not match the ${name} schema`, locatedErrors(v.errors));
}
