type Schema = Record<string, unknown>;

export function toJsonSchema(schema: unknown, refBase?: string, at?: string): Schema;
export function componentDefinitions(
  doc: unknown,
  id: string,
): { $id: string; definitions: Record<string, Schema> };
