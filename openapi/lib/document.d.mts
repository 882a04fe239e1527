/** A pinned spec as loaded: its text, declared version, actual sha256, and where it came from. */
export interface LoadedSpec {
  text: string;
  version: string;
  sha256: string;
  pinned: boolean;
  url: string;
}

/** The parts of an OpenAPI 3.0 document callers read directly; walk the rest with pointers. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
}

export interface BuildOptions {
  /** Path or http(s) URL of the spec the types come from (default: the pinned path). */
  spec?: string;
  /** Path or http(s) URL of the oldest supported API's spec (default: the pinned path). */
  minSpec?: string;
  /** Overlay file (default: openapi/overlay.json). */
  overlay?: string;
  /** Accept specs whose sha256 differs from openapi/pin.json. */
  allowUnpinned?: boolean;
}

export interface BuiltDocument {
  /** The converted, relaxed and overlaid OpenAPI 3.0 document. */
  doc: OpenApiDocument;
  spec: LoadedSpec;
  minSpec: LoadedSpec;
  overlay: { sha256: string; file: string; overlay: unknown };
  /** "<schema> <property>" made optional: the oldest supported spec does not have them. */
  relaxed: string[];
  /** "<schema> <property>" brought back as deprecated: only the oldest supported spec has them. */
  restored: string[];
  /** Number of overlay targets applied. */
  corrections: number;
  /** Overlay targets the spec already agreed with. */
  unchanged: string[];
}

export function buildDocument(options?: BuildOptions): Promise<BuiltDocument>;
