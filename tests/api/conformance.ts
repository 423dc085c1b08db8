/**
 * Checks an actual answer against the OpenAPI document: the operation must
 * exist, the status must be one it documents, and a JSON body must satisfy
 * the documented schema. Used by the OpenAPI test and the run tests.
 */
import type { Response } from 'supertest';
import { openApiDocument } from '../../server/openapi';
import { apiAjv, DOC_ID } from '../../server/validation';

type Obj = Record<string, unknown>;

const obj = (v: unknown, what: string): Obj => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} is not an object in the OpenAPI document`);
  return v as Obj;
};

/** `/v1/runs/{id}/events` for `GET`, from the document's paths. */
export function operationFor(method: string, docPath: string): Obj {
  const paths = obj(openApiDocument().paths, 'paths');
  const item = obj(paths[docPath], `path ${docPath}`);
  return obj(item[method.toLowerCase()], `${method} ${docPath}`);
}

export function expectDocumented(method: string, docPath: string, res: Response): void {
  const op = operationFor(method, docPath);
  const responses = obj(op.responses, `${method} ${docPath} responses`);
  const documented = responses[String(res.status)];
  if (documented === undefined) throw new Error(`${method} ${docPath} answered ${res.status}, which its operation does not document (documents ${Object.keys(responses).join(', ')})`);
  const content = obj(obj(documented, 'response').content, 'content');
  const type = String(res.headers['content-type'] ?? '').split(';')[0] ?? '';
  const media = content[type];
  if (media === undefined) throw new Error(`${method} ${docPath} ${res.status} answered ${type}, documented ${Object.keys(content).join(', ')}`);
  if (type !== 'application/json') return;
  const schema = obj(obj(media, 'media').schema, 'schema');
  // The document's refs are local (`#/components/...`); Ajv knows the components under DOC_ID.
  const ref = typeof schema.$ref === 'string' && schema.$ref.startsWith('#/') ? { $ref: `${DOC_ID}${schema.$ref}` } : schema;
  const validate = apiAjv().compile(ref);
  if (!validate(res.body)) throw new Error(`${method} ${docPath} ${res.status}: the body does not match the documented schema: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
}
