import { AppError } from '../errors/app-error';

/** The request `Content-Encoding`s the body parser can decode (what its `inflation` step knows), `identity` last. */
export const SUPPORTED_CONTENT_CODINGS = ['gzip', 'deflate', 'br', 'identity'] as const;

export type ContentCoding = (typeof SUPPORTED_CONTENT_CODINGS)[number];

function isSupported(coding: string): coding is ContentCoding {
  return (SUPPORTED_CONTENT_CODINGS as readonly string[]).includes(coding);
}

/**
 * The content coding of a request body from its `Content-Encoding` header (absent or empty: `identity`). Codings are
 * case-insensitive (RFC 9110 §8.4.1), so `GZIP` is `gzip`. Anything else, a list of codings included, is a 415 that
 * names the coding and the supported ones: the parser's own wording is a bare "Unsupported Content-Encoding".
 */
export function contentCodingOf(header: string | undefined): ContentCoding {
  const coding = (header ?? '').trim().toLowerCase();
  if (coding === '') return 'identity';
  if (isSupported(coding)) return coding;
  throw unsupportedContentCoding(header ?? '');
}

/** Longest `Content-Encoding` value echoed back in the message (a header may be kilobytes long). */
const ECHOED_LENGTH = 64;

export function unsupportedContentCoding(header: string): AppError {
  const echoed = header.length > ECHOED_LENGTH ? `${header.slice(0, ECHOED_LENGTH)}…` : header;
  return new AppError(415, `Content-Encoding "${echoed}" is not supported (supported: ${SUPPORTED_CONTENT_CODINGS.join(', ')})`, {
    supported: [...SUPPORTED_CONTENT_CODINGS],
  });
}
