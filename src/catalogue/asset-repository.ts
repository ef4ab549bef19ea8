import { and, asc, count, eq } from 'drizzle-orm';
import type { Database } from '../db';
import { assets } from '../db/schema';
import type { Asset } from './asset-input';

type AssetRow = typeof assets.$inferSelect;

function toAsset(row: AssetRow): Asset {
  return {
    identifier: row.id,
    resource_type: row.resourceType,
    name: row.name,
    description: row.description,
    keywords: JSON.parse(row.keywords) as string[],
    date_created: row.dateCreated.toISOString(),
    date_modified: row.dateModified.toISOString(),
  };
}

/** Data access for assets. Every call first checks the schema is ready, so a DB still coming up answers 503. */
export class AssetRepository {
  constructor(private readonly database: Database) {}

  async list(resourceType: string, offset: number, limit: number): Promise<{ total: number; items: Asset[] }> {
    this.database.assertReady();
    const db = this.database.db;
    const [rows, totals] = await Promise.all([
      db.select().from(assets).where(eq(assets.resourceType, resourceType)).orderBy(asc(assets.id)).limit(limit).offset(offset),
      db.select({ total: count() }).from(assets).where(eq(assets.resourceType, resourceType)),
    ]);
    return { total: totals[0]?.total ?? 0, items: rows.map(toAsset) };
  }

  async get(resourceType: string, id: string): Promise<Asset | undefined> {
    this.database.assertReady();
    const rows = await this.database.db
      .select()
      .from(assets)
      .where(and(eq(assets.id, id), eq(assets.resourceType, resourceType)))
      .limit(1);
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
