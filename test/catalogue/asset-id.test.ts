import { describe, expect, it } from 'vitest';
import { generateAssetId, resourceTypeOfAssetId } from '../../src/catalogue/asset-id';
import { RESOURCE_TYPES, resourceTypeByAbbreviation, resourceTypeByName } from '../../src/catalogue/resource-types';

describe('asset ids', () => {
  it('are <abbreviation>_<24 alphanumerics> for every type and resolve back to it', () => {
    for (const type of RESOURCE_TYPES) {
      const id = generateAssetId(type);
      expect(id).toMatch(new RegExp(`^${type.abbreviation}_[A-Za-z0-9]{24}$`));
      expect(resourceTypeOfAssetId(id)).toBe(type);
    }
  });

  it('are unique', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => generateAssetId(RESOURCE_TYPES[0])));
    expect(ids.size).toBe(10_000);
  });

  it.each(['data_short', 'xyz_p7v02a70CbBGKk29T8przBjf', 'data-p7v02a70CbBGKk29T8przBjf', 'DATA_p7v02a70CbBGKk29T8przBjf', ''])(
    'rejects %j',
    (id) => expect(resourceTypeOfAssetId(id)).toBeUndefined(),
  );

  it('has the required registry entries', () => {
    expect(Object.fromEntries(RESOURCE_TYPES.map((t) => [t.name, t.abbreviation]))).toEqual({
      datasets: 'data',
      models: 'mdl',
      publications: 'pub',
      experiments: 'exp',
      services: 'srvc',
      projects: 'proj',
      organisations: 'org',
      educational_resources: 'edu',
    });
    expect(resourceTypeByName('models')?.abbreviation).toBe('mdl');
    expect(resourceTypeByAbbreviation('pub')?.name).toBe('publications');
    expect(resourceTypeByName('Models')).toBeUndefined();
  });
});
