/**
 * A check that fails today for a reason already filed: it runs, and a failure is printed
 * loudly instead of failing the suite, until the fix lands and the marker is removed. When it
 * passes, it says so, so the marker does not outlive the bug.
 */
export function knownFailure(pointer: string, check: () => void): void {
  try {
    check();
    console.log(`known failure (${pointer}) did not happen this time`);
  } catch (error) {
    console.log(`KNOWN FAILURE (${pointer}): ${(error as Error).message}`);
  }
}
