import { brandError, DockerError, ErrorCode } from '../../index.js';

/**
 * A module's isolation helper or setup step was refused by the service (a statement, an API call,
 * a command run in the container); `output` has the service's own words.
 */
export class ServiceCommandError extends DockerError {
  static {
    brandError(ServiceCommandError, 'ServiceCommandError');
  }

  constructor(
    /** What was run: the statement, API call or command, without credentials. */
    readonly command: string,
    /** The service's answer. */
    readonly output: string,
  ) {
    super(ErrorCode.ServiceCommand, `${command}: ${output}`);
  }
}
