/**
 * Reconciles the response schemas of `doc` (newest spec) with `oldDoc` (oldest supported spec):
 * properties old daemons omit become optional, properties only old daemons send come back as
 * deprecated. Returns the "<schema> <property>" entries of each kind.
 */
export function reconcileWithOldest(doc: unknown, oldDoc: unknown): { relaxed: string[]; restored: string[] };
