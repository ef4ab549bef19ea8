import { SEMCONV_DURATION_BUCKETS } from './buckets';
import { Histogram } from './histogram';
import type { NativeHistogramOptions } from './native-histogram';

/**
 * One series of `http.server.request.duration`: its attributes other than `http.route` (which its route holds),
 * already bounded, and its histogram. `status` 0 and `errorType` '' mean the attribute is left out.
 */
export class ServerDurationCell {
  /** The standard's buckets; native ones beside them when native histograms are on, as on today's duration histogram. */
  readonly duration: Histogram;

  constructor(
    readonly method: string,
    readonly status: number,
    readonly errorType: string,
    readonly scheme: string,
    readonly protocolVersion: string,
    native?: NativeHistogramOptions,
  ) {
    this.duration = new Histogram(SEMCONV_DURATION_BUCKETS, native);
  }
}

/** Dense small numbers for label values, so that a cell's key is arithmetic, not a string built per request. */
class Ids {
  private readonly ids = new Map<string, number>();

  of(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(value, id);
    }
    return id;
  }
}

/**
 * Radixes of the key's parts. Methods (10 known + `_OTHER`) and protocol versions (`1.0`, `1.1`) stay below theirs by
 * construction; statuses are 0 or 100–999; error types come last, unbounded by the key (their number is capped where
 * they are recorded).
 */
const STATUSES = 1000;
const METHODS = 32;
const SCHEMES = 2;
const VERSIONS = 128;

/**
 * The cells of one route: `http.route` is its template, or left out (`httpRoute` undefined) for requests no route
 * matched. Cells are created once per attribute set; finding one is a few map lookups and some arithmetic.
 */
export class ServerDurationRoute {
  readonly cells = new Map<number, ServerDurationCell>();

  constructor(
    /** The observer's route (`none` when none matched): the key of this series and of handler exclusions. */
    readonly route: string,
    readonly httpRoute: string | undefined,
  ) {}
}

/** Finds or creates cells; one per HTTP metrics registry, so ids are shared by its routes. */
export class ServerDurationCells {
  constructor(private readonly native?: NativeHistogramOptions) {}

  private readonly methods = new Ids();
  private readonly errorTypes = new Ids();
  private readonly versions = new Ids();

  cell(route: ServerDurationRoute, method: string, status: number, errorType: string, scheme: string, protocolVersion: string): ServerDurationCell {
    const key =
      status +
      STATUSES *
        (this.methods.of(method) +
          METHODS * ((scheme === 'https' ? 1 : 0) + SCHEMES * (this.versions.of(protocolVersion) + VERSIONS * this.errorTypes.of(errorType))));
    let cell = route.cells.get(key);
    if (cell === undefined) {
      cell = new ServerDurationCell(method, status, errorType, scheme, protocolVersion, this.native);
      route.cells.set(key, cell);
    }
    return cell;
  }
}

/**
 * A cell's attributes as the standard names them, in the order of its attribute table; those it leaves out for this
 * request (`http.route` when no route matched, the status code when none was sent, `error.type` when it did not fail)
 * are absent, not empty. One list for every exposition: `/metrics` writes the names with `_` for `.`, OTLP as they are.
 */
export function serverDurationAttributes(route: ServerDurationRoute, cell: ServerDurationCell): Array<[name: string, value: string | number]> {
  const attributes: Array<[string, string | number]> = [['http.request.method', cell.method]];
  if (route.httpRoute !== undefined) attributes.push(['http.route', route.httpRoute]);
  if (cell.status !== 0) attributes.push(['http.response.status_code', cell.status]);
  if (cell.errorType !== '') attributes.push(['error.type', cell.errorType]);
  attributes.push(['url.scheme', cell.scheme], ['network.protocol.version', cell.protocolVersion]);
  return attributes;
}

/** An attribute's Prometheus label name, as the collector's translation writes it (`http.route` → `http_route`). */
export function prometheusLabelOf(attribute: string): string {
  return attribute.replaceAll('.', '_');
}
