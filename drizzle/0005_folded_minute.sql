-- Requests for ids the catalogue does not hold are counted here per minute instead of one raw row each. Raw rows
-- already logged for such ids stay as they are: retention removes them within ACCESS_LOG_RETENTION_DAYS, where
-- folding them here would rewrite (and lock) the whole log during the upgrade.
CREATE TABLE `asset_access_folded_minute` (
	`minute_start` datetime NOT NULL,
	`resource_type` varchar(32) NOT NULL,
	`method` varchar(16) NOT NULL,
	`status` smallint unsigned NOT NULL,
	`requests` bigint unsigned NOT NULL,
	CONSTRAINT `asset_access_folded_minute_pk` PRIMARY KEY(`minute_start`,`resource_type`,`method`,`status`)
);
