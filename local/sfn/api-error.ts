/** An error of the local Step Functions API: `name` becomes `__type`, which the SDK turns into its exception class. */
export class ApiError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** AWS's wording for a request field that breaks a constraint. */
export function validation(field: string, constraint: string): ApiError {
  return new ApiError(
    'ValidationException',
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}
