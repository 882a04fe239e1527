/** Resolves with the error a promise rejects with; fails the test when it resolves instead. */
export async function failure<T extends Error = Error>(promise: Promise<unknown>): Promise<T> {
  try {
    await promise;
  } catch (err) {
    return err as T;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
