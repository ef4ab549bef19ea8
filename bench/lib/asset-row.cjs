// The service's JSON shape of an asset row, for the bench's reference servers (bench/floor, bench/peers): they answer
// the same bodies as the service without its code.
'use strict';

exports.toAsset = (row) => ({
  identifier: row.id,
  resource_type: row.resource_type,
  name: row.name,
  description: row.description,
  keywords: JSON.parse(row.keywords),
  date_created: row.date_created.toISOString(),
  date_modified: row.date_modified.toISOString(),
});
