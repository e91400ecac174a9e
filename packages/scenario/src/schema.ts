import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { ScenarioDoc } from './document.js';
import type { ScenarioError } from './errors.js';
import type { YamlSource } from './source.js';

/** Absolute path of the published JSON Schema (`packages/scenario/schema/scenario.schema.json`). */
export const SCENARIO_SCHEMA_PATH = fileURLToPath(new URL('../schema/scenario.schema.json', import.meta.url));

let validator: ValidateFunction | undefined;

/** The scenario JSON Schema (draft 2020-12) as an object. */
export function scenarioSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(SCENARIO_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
}

function compiled(): ValidateFunction {
  validator ??= new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true }).compile(scenarioSchema());
  return validator;
}

/**
 * Validates `data` against the schema. Returns the document, or throws the
 * most specific problem as a located `ScenarioError` (`unknownKey` for a
 * key the schema does not know, `schema` otherwise).
 */
export function validateScenario(data: unknown, source: YamlSource): ScenarioDoc {
  const validate = compiled();
  if (validate(data)) return data as ScenarioDoc;
  throw toScenarioError(pickError(validate.errors ?? []), source);
}

// The deepest error says what is wrong; where alternatives (anyOf) all failed
// at that same value, the anyOf error describes the allowed forms better than one branch.
function pickError(errors: readonly ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  for (const e of errors) {
    if (best === undefined) best = e;
    else {
      const depth = e.instancePath.split('/').length;
      const bestDepth = best.instancePath.split('/').length;
      if (depth > bestDepth || (depth === bestDepth && e.keyword === 'anyOf' && best.keyword !== 'anyOf')) best = e;
    }
  }
  return best;
}

function toScenarioError(e: ErrorObject | undefined, source: YamlSource): ScenarioError {
  if (e === undefined) return source.error('schema', '', 'does not match the scenario schema');
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const allowed = allowedKeys(e.parentSchema);
      return source.error('unknownKey', `${e.instancePath}/${escape(key)}`, `unknown key '${key}'${allowed ? `; expected one of ${allowed}` : ''}`, true);
    }
    case 'required':
      return source.error('schema', e.instancePath, `missing required key '${String(params['missingProperty'])}'`);
    case 'type':
      return source.error('schema', e.instancePath, `expected ${String(params['type'])}`);
    case 'enum':
      return source.error('schema', e.instancePath, `expected one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`);
    case 'pattern':
      return source.error('schema', e.instancePath, `expected text matching ${String(params['pattern'])}`);
    case 'const':
      return source.error('schema', e.instancePath, `expected ${JSON.stringify(params['allowedValue'])}`);
    case 'anyOf':
      return source.error('schema', e.instancePath, `does not match any allowed form${e.parentSchema?.['description'] ? ` (${String(e.parentSchema['description'])})` : ''}`);
    default:
      return source.error('schema', e.instancePath, `expected a value that ${e.message ?? 'matches the schema'}`);
  }
}

function allowedKeys(schema: ErrorObject['parentSchema']): string | undefined {
  const props = schema?.['properties'] as Record<string, unknown> | undefined;
  return props === undefined ? undefined : Object.keys(props).join(', ');
}

function escape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
