CREATE TABLE `asset_access_hourly` (
	`resource_type` varchar(32) NOT NULL,
	`hour_start` datetime NOT NULL,
	`asset_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	`hits` bigint unsigned NOT NULL,
	CONSTRAINT `asset_access_hourly_resource_type_hour_start_asset_id_pk` PRIMARY KEY(`resource_type`,`hour_start`,`asset_id`)
);
--> statement-breakpoint
CREATE TABLE `asset_access_log` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`asset_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	`resource_type` varchar(32) NOT NULL,
	`method` varchar(16) NOT NULL,
	`status` smallint unsigned NOT NULL,
	`accessed_at` datetime(3) NOT NULL,
	CONSTRAINT `asset_access_log_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `asset_access_total` (
	`resource_type` varchar(32) NOT NULL,
	`asset_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	`hits` bigint unsigned NOT NULL,
	CONSTRAINT `asset_access_total_resource_type_asset_id_pk` PRIMARY KEY(`resource_type`,`asset_id`)
);
--> statement-breakpoint
CREATE INDEX `asset_access_hourly_hour_idx` ON `asset_access_hourly` (`hour_start`,`resource_type`,`asset_id`,`hits`);--> statement-breakpoint
CREATE INDEX `asset_access_log_accessed_at_idx` ON `asset_access_log` (`accessed_at`);--> statement-breakpoint
CREATE INDEX `asset_access_log_type_accessed_at_idx` ON `asset_access_log` (`resource_type`,`accessed_at`);--> statement-breakpoint
CREATE INDEX `asset_access_total_type_hits_idx` ON `asset_access_total` (`resource_type`,`hits` DESC,`asset_id`);--> statement-breakpoint
CREATE INDEX `asset_access_total_hits_idx` ON `asset_access_total` (`hits` DESC,`asset_id`,`resource_type`);