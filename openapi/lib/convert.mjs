// Swagger 2.0 (what Docker publishes) to OpenAPI 3.0 (what openapi-typescript reads).
import swagger2openapi from 'swagger2openapi';
import { parse } from 'yaml';

export async function toOpenApi3(yamlText) {
  const swagger = parse(yamlText);
  if (swagger?.swagger !== '2.0') throw new Error('expected a Swagger 2.0 document');
  // No `patch`: a spec the converter would have to repair should fail here, not be silently changed.
  const { openapi } = await swagger2openapi.convertObj(swagger, {});
  return openapi;
}
