import { describe, expect, it } from 'vitest';
import { splitTopColumns } from '../../../../src/client/resources/top.js';

describe('splitTopColumns', () => {
  it("splits Podman's whole ps lines into Docker's columns, the command keeping its spaces", () => {
    const podman = {
      Titles: ['PID   USER     COMMAND'],
      Processes: [['1 0        sleep 600'], ['6 0        sleep 301']],
    };
    expect(splitTopColumns(podman)).toEqual({
      Titles: ['PID', 'USER', 'COMMAND'],
      Processes: [
        ['1', '0', 'sleep 600'],
        ['6', '0', 'sleep 301'],
      ],
    });
  });

  it('leaves columns the daemon already split as they are', () => {
    const docker = {
      Titles: ['UID', 'PID', 'CMD'],
      Processes: [['root', '1', 'sleep 600']],
    };
    expect(splitTopColumns(docker)).toEqual(docker);
    const single = { Titles: ['CMD'], Processes: [['sleep 600']] };
    expect(splitTopColumns(single)).toEqual(single);
  });
});
