export interface ResponseOperation {
  path: string;
  method: 'get' | 'post' | 'put' | 'delete' | 'head';
  status: number;
  /** Media type of the response content (default application/json). */
  type?: string;
  /** Also report top-level keys the schema does not document. */
  closed?: boolean;
}

export interface Problem {
  /** JSON pointer into the checked data. */
  at: string;
  message: string;
  /** JSON pointer into the document: the schema that disagrees (an overlay target). */
  spec: string;
  got: unknown;
}

export function responsePointer(operation: ResponseOperation): string;
export function createResponseValidator(
  doc: unknown,
): (operation: ResponseOperation, data: unknown) => Problem[];
