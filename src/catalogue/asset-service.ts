import { AppError } from '../errors/app-error';
import { assetInputSchema, type AssetInput } from './asset-input';
import type { Asset, AssetPage } from './asset-schema';
import { generateAssetId, resourceTypeOfAssetId } from './asset-id';
import { isAssetIdSyntax } from './asset-target';
import type { AssetRepository } from './asset-repository';
import type { ResourceType } from './resource-types';

/** Validates a request body against the asset schema; a 400 naming the first bad field otherwise. */
export function parseAssetInput(body: unknown): AssetInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw AppError.badRequest('request body must be a JSON object');
  }
  const parsed = assetInputSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    const message = issue?.message ?? 'is invalid';
    throw AppError.badRequest(`${field}: ${message}`, { field });
  }
  return parsed.data;
}

/** Domain logic of the catalogue: ids and dates are the server's, missing assets are 404s. */
export class AssetService {
  constructor(private readonly repository: AssetRepository) {}

  async list(type: ResourceType, offset: number, limit: number): Promise<AssetPage> {
    const { total, items } = await this.repository.list(type.name, offset, limit);
    return { total, offset, limit, items };
  }

  async get(type: ResourceType, id: string): Promise<Asset> {
    // An id no asset can have (`é`, 65 characters) is not looked up: the id column could not even compare it.
    const asset = isAssetIdSyntax(id) ? await this.repository.get(type.name, id) : undefined;
    if (!asset) throw AppError.notFound(`no ${type.name} asset with identifier ${id}`);
    return asset;
  }

  /** Resolves the type from the id's abbreviation, for `GET /assets/{id}`. */
  async getAny(id: string): Promise<Asset> {
    const type = resourceTypeOfAssetId(id);
    if (!type) throw AppError.notFound(`no asset with identifier ${id}`);
    return this.get(type, id);
  }

  async create(type: ResourceType, input: AssetInput): Promise<Asset> {
    const now = new Date().toISOString();
    const asset: Asset = {
      identifier: generateAssetId(type),
      resource_type: type.name,
      name: input.name,
      description: input.description ?? null,
      keywords: input.keywords ?? [],
      date_created: now,
      date_modified: now,
    };
    await this.repository.insert(asset);
    return asset;
  }

  async replace(type: ResourceType, id: string, input: AssetInput): Promise<Asset> {
    const updated = isAssetIdSyntax(id) && (await this.repository.update(type.name, id, {
      name: input.name,
      description: input.description ?? null,
      keywords: input.keywords ?? [],
      date_modified: new Date().toISOString(),
    }));
    if (!updated) throw AppError.notFound(`no ${type.name} asset with identifier ${id}`);
    return this.get(type, id);
  }

  async delete(type: ResourceType, id: string): Promise<void> {
    const deleted = isAssetIdSyntax(id) && (await this.repository.delete(type.name, id));
    if (!deleted) throw AppError.notFound(`no ${type.name} asset with identifier ${id}`);
  }
}
