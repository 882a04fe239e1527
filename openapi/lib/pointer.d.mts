export function escapeToken(token: string | number): string;
export function toPointer(tokens: (string | number)[]): string;
export function parsePointer(pointer: string): string[];
export function locate(root: unknown, pointer: string): { parent: unknown; key: string; value: unknown };
export function get(root: unknown, pointer: string): unknown;
