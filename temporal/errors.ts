/**
 * The one error type of the Temporal layer. Node-free.
 * Thrown when the Temporal frontend cannot be reached; the API maps it to 503.
 */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
  readonly address: string;
  readonly reason: string;

  constructor(address: string, reason: string, options?: { cause?: unknown }) {
    super(`Temporal is not reachable at ${address}: ${reason}`, options);
    this.address = address;
    this.reason = reason;
  }
}
