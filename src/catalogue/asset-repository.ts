import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { BinaryQuery, type DriverRow } from '../db/binary-query';
import { assets } from '../db/schema';
import type { Asset } from './asset-schema';

type AssetRow = DriverRow<typeof assets>;

function toAsset(row: AssetRow): Asset {
  return {
    identifier: row.id,
    resource_type: row.resource_type,
    name: row.name,
    description: row.description,
    keywords: JSON.parse(row.keywords) as string[],
    date_created: row.date_created.toISOString(),
    date_modified: row.date_modified.toISOString(),
  };
}

/**
 * Data access for assets. Every call first checks the schema is ready, so a DB still coming up answers 503.
 *
 * The hot reads are built once by Drizzle with placeholders and run as prepared statements over mysql2's binary
 * protocol (`BinaryQuery`): building the SQL on every request, then mysql2's text protocol, were the largest parts
 * of the service's own CPU on `GET /{type}/{id}` (docs/benchmarks.md, "floor").
 */
export class AssetRepository {
  private readonly byId;
  private readonly page;
  private readonly total;

  constructor(private readonly database: Database) {
    const { db, pool } = database;
    this.byId = new BinaryQuery<AssetRow>(
      pool,
      db
        .select()
        .from(assets)
        .where(and(eq(assets.id, sql.placeholder('id')), eq(assets.resourceType, sql.placeholder('type'))))
        .limit(1),
    );
    this.page = new BinaryQuery<AssetRow>(
      pool,
      db
        .select()
        .from(assets)
        .where(eq(assets.resourceType, sql.placeholder('type')))
        .orderBy(asc(assets.id))
        .limit(sql.placeholder('limit'))
        .offset(sql.placeholder('offset')),
    );
    this.total = new BinaryQuery<{ total: number }>(pool, db.select({ total: count().as('total') }).from(assets).where(eq(assets.resourceType, sql.placeholder('type'))));
  }

  async list(resourceType: string, offset: number, limit: number): Promise<{ total: number; items: Asset[] }> {
    this.database.assertReady();
    const [rows, totals] = await Promise.all([
      this.page.execute({ type: resourceType, limit, offset }),
      this.total.execute({ type: resourceType }),
    ]);
    return { total: Number(totals[0]?.total ?? 0), items: rows.map(toAsset) };
  }

  async get(resourceType: string, id: string): Promise<Asset | undefined> {
    this.database.assertReady();
    const rows = await this.byId.execute({ id, type: resourceType });
    return rows[0] ? toAsset(rows[0]) : undefined;
  }

  async insert(asset: Asset): Promise<void> {
    this.database.assertReady();
    await this.database.db.insert(assets).values({
      id: asset.identifier,
      resourceType: asset.resource_type,
      name: asset.name,
      description: asset.description,
      keywords: JSON.stringify(asset.keywords),
      dateCreated: new Date(asset.date_created),
      dateModified: new Date(asset.date_modified),
    });
  }

  /** True when a row was updated. */
  async update(resourceType: string, id: string, fields: Pick<Asset, 'name' | 'description' | 'keywords' | 'date_modified'>): Promise<boolean> {
    this.database.assertReady();
    const [result] = await this.database.db
      .update(assets)
      .set({
        name: fields.name,
        description: fields.description,
        keywords: JSON.stringify(fields.keywords),
        dateModified: new Date(fields.date_modified),
      })
      .where(and(eq(assets.id, id), eq(assets.resourceType, resourceType)));
    return result.affectedRows > 0;
  }

  /** True when a row was deleted. */
  async delete(resourceType: string, id: string): Promise<boolean> {
    this.database.assertReady();
    const [result] = await this.database.db
      .delete(assets)
      .where(and(eq(assets.id, id), eq(assets.resourceType, resourceType)));
    return result.affectedRows > 0;
  }
}
