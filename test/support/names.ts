/**
 * An image name as Docker reports it. Podman qualifies every name: `docker.io/berth-test/x:1` for a
 * name berth gave it, `localhost/berth-test/x:1` for an image loaded under an unqualified name, where
 * Docker reports `berth-test/x:1`. Docker reports neither prefix for the suites' names (`localhost:5000/`
 * is kept), so on Docker this changes nothing and a comparison through it proves the same there.
 */
export function familiar(name: string): string {
  return name.replace(/^(docker\.io\/(library\/)?|localhost\/)/, '');
}
