CREATE TABLE `asset_access_window` (
	`resource_type` varchar(32) NOT NULL,
	`asset_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	`hits` bigint unsigned NOT NULL,
	CONSTRAINT `asset_access_window_resource_type_asset_id_pk` PRIMARY KEY(`resource_type`,`asset_id`)
);
--> statement-breakpoint
CREATE TABLE `asset_access_window_state` (
	`id` tinyint unsigned NOT NULL,
	`from_hour` datetime NOT NULL,
	`to_hour` datetime NOT NULL,
	`built_at` datetime(3),
	CONSTRAINT `asset_access_window_state_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `asset_access_window_type_hits_idx` ON `asset_access_window` (`resource_type`,`hits` DESC,`asset_id`);--> statement-breakpoint
CREATE INDEX `asset_access_window_hits_idx` ON `asset_access_window` (`hits` DESC,`asset_id`,`resource_type`);--> statement-breakpoint
-- The state row exists from the start; an epoch range means "no snapshot built yet".
INSERT INTO `asset_access_window_state` (`id`, `from_hour`, `to_hour`) VALUES (1, '1970-01-01 00:00:00', '1970-01-01 00:00:00');
