export interface OverlayEntry {
  target?: string;
  targets?: string[];
  why: string;
  merge?: Record<string, unknown>;
  set?: unknown;
  remove?: true;
  append?: unknown[];
}

export interface Overlay {
  description?: string;
  actions: OverlayEntry[];
}

export function applyOverlay(doc: unknown, overlay: Overlay): { applied: number; unchanged: string[] };
