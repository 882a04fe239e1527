import { describe, expect, it } from 'vitest';
import { hostPort } from '../../../../src/testing/host/host-port.js';

describe('hostPort', () => {
  it('joins a name or an IPv4 address as it is', () => {
    expect(hostPort('127.0.0.1', 5432)).toBe('127.0.0.1:5432');
    expect(hostPort('build-box.example', 80)).toBe('build-box.example:80');
  });

  it('puts an IPv6 address in brackets, once', () => {
    expect(hostPort('fd00::1', 8080)).toBe('[fd00::1]:8080');
    expect(hostPort('[::1]', 8080)).toBe('[::1]:8080');
  });

  it('gives a URL that parses to the same host and port', () => {
    const url = new URL(`http://${hostPort('fd12:3456::1', 32768)}/`);
    expect(url.hostname).toBe('[fd12:3456::1]');
    expect(url.port).toBe('32768');
  });
});
