/** Host and port joined for URLs and connection strings. */

/** `host:port`, with an IPv6 address in brackets (a remote daemon's endpoint may be one). */
export function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}
