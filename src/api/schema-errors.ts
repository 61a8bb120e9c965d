/**
 * Readable messages for ajv schema failures: name the field (`spec.data.hash.value`,
 * `entries[0].kind`; a missing property is named too) and say why.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';

/**
 * The error to report. ajv lists a failing `then` after the error inside it
 * (report the inner one), and a failing `anyOf`/`oneOf` after its branches'
 * errors (report the alternative as a whole).
 */
export function firstError(errors: ErrorObject[] | null | undefined): ErrorObject | undefined {
  const first = errors?.find((e) => e.keyword !== 'if') ?? errors?.[0];
  if (first === undefined) return undefined;
  const group = errors?.find(
    (e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && first.schemaPath.startsWith(`${e.schemaPath}/`),
  );
  return group ?? first;
}

export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return describeError(firstError(errors));
}

/** `spec.data.hash.value`, `entries[0].kind`; a missing property is named too. */
export function fieldName(err: ErrorObject | undefined): string {
  if (err === undefined) return '';
  const parts = err.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (err.keyword === 'required') parts.push(String(err.params['missingProperty']));
  if (err.keyword === 'additionalProperties') parts.push(String(err.params['additionalProperty']));
  return parts.reduce((acc, p) => (/^[0-9]+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
}

export function fieldOf(err: ErrorObject | undefined): string {
  const f = fieldName(err);
  return f === '' ? '' : ` field "${f}"`;
}

export function describeError(err: ErrorObject | undefined): string {
  if (err === undefined) return 'is invalid';
  switch (err.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed';
    case 'enum':
      return `must be one of ${(err.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(err.params['allowedValue'])}`;
    case 'anyOf': {
      const alts = (err.parentSchema as { anyOf?: Array<{ required?: string[] }> } | undefined)?.anyOf ?? [];
      const names = alts.flatMap((a) => a.required ?? []);
      return names.length === alts.length ? `must have at least one of ${names.join(', ')}` : (err.message ?? 'is invalid');
    }
    default:
      return err.message ?? 'is invalid';
  }
}
