import { z } from 'zod';
import type { ZodOpenApiResponseObject } from 'zod-openapi';
import { CANCEL_REASONS } from '../db/query-scope';
import { UNAVAILABLE_REASONS } from '../db/database-errors';
import { REJECT_REASONS } from '../http/admission-gate';
import { SUPPORTED_CONTENT_CODINGS } from '../http/content-coding';
import { DECODING_BUSY_REASON } from '../http/request-body';
import { ROLLUP_PENDING_REASON } from '../stats/stats-repository';
import { AUTH_UNAVAILABLE_REASON, INVALID_TOKEN_REASON, TOKEN_REQUIRED_REASON } from '../auth/auth-errors';

/**
 * The error answers of the API as OpenAPI response components. Every error is the envelope the error middleware
 * writes, `{"error": {"status", "message", …details}}`; each component pins the status and lists the details and
 * `reason` codes that status can carry, so an answer with another shape fails the conformance tests.
 */


interface ErrorShape {
  /** A status, or `'5XX'` for any server error. */
  status: number | '5XX';
  description: string;
  /** The `reason` codes it may carry; none: no `reason`. */
  reasons?: readonly string[];
  /** `field` names the body field at fault (400 of a body). */
  field?: boolean;
  /** `parameter` names the query parameter at fault (400 of a query). */
  parameter?: boolean;
  /** `supported` lists the content codings (415 of a `Content-Encoding`). */
  supported?: boolean;
  headers?: z.ZodObject;
  example: { message: string; [detail: string]: unknown };
}

function errorEnvelope(shape: ErrorShape) {
  const status = shape.status === '5XX' ? z.int().min(500).max(599) : z.literal(shape.status);
  return z.object({
    error: z.object({
      status: status.meta({ description: 'The HTTP status, repeated.' }),
      message: z.string().meta({ description: 'What went wrong, for a person; never internals (host, SQL, stack).' }),
      ...(shape.field ? { field: z.string().optional().meta({ description: 'The request body field at fault (`body` for the body as a whole).' }) } : {}),
      ...(shape.parameter ? { parameter: z.string().optional().meta({ description: 'The query parameter at fault.' }) } : {}),
      ...(shape.reasons ? { reason: z.enum(shape.reasons as [string, ...string[]]).optional().meta({ description: 'A code a client can act on.' }) } : {}),
      ...(shape.supported ? { supported: z.array(z.enum(SUPPORTED_CONTENT_CODINGS)).optional().meta({ description: 'The content codings a body may have.' }) } : {}),
    }),
  });
}

function errorResponse(id: string, shape: ErrorShape): ZodOpenApiResponseObject {
  const exampleStatus = shape.status === '5XX' ? 500 : shape.status;
  return {
    id,
    description: shape.description,
    ...(shape.headers ? { headers: shape.headers } : {}),
    content: {
      'application/json': {
        schema: errorEnvelope(shape),
        example: { error: { status: exampleStatus, ...shape.example } },
      },
    },
  };
}

const retryAfter = (required: boolean) => {
  const seconds = z.string().regex(/^\d+$/).meta({ description: 'Seconds to wait before trying again.', examples: ['1'] });
  return z.object({ 'Retry-After': required ? seconds : seconds.optional() });
};

export const ERROR_RESPONSES = {
  invalidParameter: errorResponse('InvalidParameter', {
    status: 400,
    description: 'A query parameter is out of bounds, malformed or given twice; `parameter` names it.',
    parameter: true,
    example: { message: 'limit must be an integer from 1 to 100', parameter: 'limit' },
  }),
  invalidBody: errorResponse('InvalidBody', {
    status: 400,
    description:
      'The body is not a valid asset (`field` names the first field at fault and the message says what was expected), is not JSON, does not decompress, or is shorter or longer than its `Content-Length`; or a write carries more than one `Authorization` header.',
    field: true,
    example: { message: 'name: must be 1 to 256 characters', field: 'name' },
  }),
  unauthorized: errorResponse('Unauthorized', {
    status: 401,
    description: 'A bearer token is required and was missing (`token_required`) or refused (`invalid_token`, the challenge says why).',
    reasons: [TOKEN_REQUIRED_REASON, INVALID_TOKEN_REASON],
    headers: z.object({ 'WWW-Authenticate': z.string().meta({ examples: ['Bearer realm="asset-catalogue"'] }) }),
    example: { message: 'writes require Authorization: Bearer <token>', reason: TOKEN_REQUIRED_REASON },
  }),
  notFound: errorResponse('NotFound', {
    status: 404,
    description: 'No such asset (an id no asset can have, such as `é`, included), or no such resource type.',
    example: { message: 'no datasets asset with identifier data_p7v02a70CbBGKk29T8przBjf' },
  }),
  methodNotAllowed: errorResponse('MethodNotAllowed', {
    status: 405,
    description: 'The path exists but not with this method (any method the path does not list); `Allow` lists those it has.',
    headers: z.object({ Allow: z.string().meta({ examples: ['HEAD, GET, POST'] }) }),
    example: { message: 'method not allowed' },
  }),
  payloadTooLarge: errorResponse('PayloadTooLarge', {
    status: 413,
    description: 'The body is over 1 MB after decompression; the connection is closed after the answer.',
    example: { message: 'request body too large (limit 1 MB)' },
  }),
  unsupportedMediaType: errorResponse('UnsupportedMediaType', {
    status: 415,
    description: `The body is not \`application/json\`, or its \`Content-Encoding\` is not one of ${SUPPORTED_CONTENT_CODINGS.join(', ')} (then \`supported\` lists those).`,
    supported: true,
    example: { message: 'request body must be application/json' },
  }),
  decodingBusy: errorResponse('DecodingBusy', {
    status: 429,
    description: 'Too many compressed bodies are being decoded at once; retry after `Retry-After`.',
    reasons: [DECODING_BUSY_REASON],
    headers: retryAfter(true),
    example: { message: 'too many compressed request bodies at once; retry shortly', reason: DECODING_BUSY_REASON },
  }),
  statsBusy: errorResponse('StatsBusy', {
    status: 429,
    description: 'Every stats turn is taken and the queue is full (`queue_full`) or the wait was too long (`queue_timeout`).',
    reasons: REJECT_REASONS,
    headers: retryAfter(true),
    example: { message: 'too many stats queries at once; retry shortly', reason: 'queue_full' },
  }),
  internalError: errorResponse('InternalError', {
    status: 500,
    description: 'An unexpected error (logged with its stack, never sent).',
    example: { message: 'internal server error' },
  }),
  notImplemented: errorResponse('NotImplemented', {
    status: 501,
    description: 'A method no route of the service implements.',
    example: { message: 'not implemented' },
  }),
  databaseUnavailable: errorResponse('DatabaseUnavailable', {
    status: 503,
    description: 'The database cannot serve: `unreachable`, `migrating` or `schema_missing`.',
    reasons: UNAVAILABLE_REASONS,
    example: { message: 'database unavailable', reason: 'unreachable' },
  }),
  writeUnavailable: errorResponse('WriteUnavailable', {
    status: 503,
    description: `The database cannot serve (\`unreachable\`, \`migrating\`, \`schema_missing\`), or the token issuer's keys cannot be fetched to check the bearer token (\`${AUTH_UNAVAILABLE_REASON}\`).`,
    reasons: [...UNAVAILABLE_REASONS, AUTH_UNAVAILABLE_REASON],
    // `auth_unavailable` says when the issuer will be asked again.
    headers: retryAfter(false),
    example: { message: 'database unavailable', reason: 'unreachable' },
  }),
  statsUnavailable: errorResponse('StatsUnavailable', {
    status: 503,
    description:
      'The database cannot serve; or the queries ran past STATS_QUERY_TIMEOUT_MS (`timeout`) or the client went away (`client_gone`) and were killed; or the window needs more periods than allowed until the roll-up catches up (`rollup_pending`, with `Retry-After`).',
    reasons: [...UNAVAILABLE_REASONS, ...CANCEL_REASONS, ROLLUP_PENDING_REASON],
    headers: retryAfter(false),
    example: { message: 'the stats query took too long', reason: 'timeout' },
  }),
  serverError: errorResponse('ServerError', {
    status: '5XX',
    description: 'The injected failure, with the status asked for.',
    example: { message: 'internal server error' },
  }),
} satisfies Record<string, ZodOpenApiResponseObject>;
