/**
 * The registry of resource types: the URL segment and the id abbreviation of each. Everything that needs to know the
 * types (routes, id generation, the access-log path parser, stats) reads this one list.
 */
export const RESOURCE_TYPES = [
  { name: 'datasets', abbreviation: 'data' },
  { name: 'models', abbreviation: 'mdl' },
  { name: 'publications', abbreviation: 'pub' },
  { name: 'experiments', abbreviation: 'exp' },
  { name: 'services', abbreviation: 'srvc' },
  { name: 'projects', abbreviation: 'proj' },
  { name: 'organisations', abbreviation: 'org' },
  { name: 'educational_resources', abbreviation: 'edu' },
] as const;

export type ResourceTypeName = (typeof RESOURCE_TYPES)[number]['name'];
export type ResourceType = (typeof RESOURCE_TYPES)[number];

const byName = new Map<string, ResourceType>(RESOURCE_TYPES.map((t) => [t.name, t]));
const byAbbreviation = new Map<string, ResourceType>(RESOURCE_TYPES.map((t) => [t.abbreviation, t]));

export function resourceTypeByName(name: string): ResourceType | undefined {
  return byName.get(name);
}

export function resourceTypeByAbbreviation(abbreviation: string): ResourceType | undefined {
  return byAbbreviation.get(abbreviation);
}
