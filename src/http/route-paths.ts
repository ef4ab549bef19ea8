/** The version prefixes every API route is also served under; the unversioned path is the latest version. */
export const API_VERSION_PREFIXES = ['', '/v1', '/v2'] as const;
