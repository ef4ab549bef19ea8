/**
 * The one application error type. Domain code throws it with the HTTP status the client should see; the central
 * error middleware turns it into `{"error": {"status", "message", ...details}}` and sets `headers`.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  static badRequest(message: string, details?: Record<string, unknown>): AppError {
    return new AppError(400, message, details);
  }

  static notFound(message: string): AppError {
    return new AppError(404, message);
  }
}
