CREATE TABLE `asset_access_daily` (
	`day_start` datetime NOT NULL,
	`resource_type` varchar(32) NOT NULL,
	`asset_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	`hits` bigint unsigned NOT NULL,
	CONSTRAINT `asset_access_daily_day_start_resource_type_asset_id_pk` PRIMARY KEY(`day_start`,`resource_type`,`asset_id`)
);
--> statement-breakpoint
CREATE TABLE `asset_access_minute` (
	`minute_start` datetime NOT NULL,
	`resource_type` varchar(32) NOT NULL,
	`asset_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	`hits` bigint unsigned NOT NULL,
	CONSTRAINT `asset_access_minute_minute_start_resource_type_asset_id_pk` PRIMARY KEY(`minute_start`,`resource_type`,`asset_id`)
);
--> statement-breakpoint
CREATE TABLE `asset_access_monthly` (
	`month_start` datetime NOT NULL,
	`resource_type` varchar(32) NOT NULL,
	`asset_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	`hits` bigint unsigned NOT NULL,
	CONSTRAINT `asset_access_monthly_month_start_resource_type_asset_id_pk` PRIMARY KEY(`month_start`,`resource_type`,`asset_id`)
);
--> statement-breakpoint
CREATE TABLE `asset_access_rollup_state` (
	`id` tinyint unsigned NOT NULL,
	`days_to` datetime NOT NULL,
	`months_to` datetime NOT NULL,
	`rolled_at` datetime(3),
	CONSTRAINT `asset_access_rollup_state_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
-- `asset_access_window` and `asset_access_window_state` (the former 24 h snapshot) are left in place: replicas of the
-- previous version still lock them during a rolling upgrade, and would otherwise fail every batch until replaced.
-- Nothing reads them any more; a later migration drops them.
DROP INDEX `asset_access_hourly_hour_idx` ON `asset_access_hourly`;--> statement-breakpoint
DROP INDEX `asset_access_total_hits_idx` ON `asset_access_total`;--> statement-breakpoint
-- One statement, so the table is rebuilt once and never stands without a primary key.
ALTER TABLE `asset_access_hourly` DROP PRIMARY KEY, ADD PRIMARY KEY(`hour_start`,`resource_type`,`asset_id`);--> statement-breakpoint
CREATE INDEX `asset_access_daily_rank_idx` ON `asset_access_daily` (`resource_type`,`day_start`,`hits` DESC,`asset_id`);--> statement-breakpoint
CREATE INDEX `asset_access_minute_rank_idx` ON `asset_access_minute` (`resource_type`,`minute_start`,`hits` DESC,`asset_id`);--> statement-breakpoint
CREATE INDEX `asset_access_monthly_rank_idx` ON `asset_access_monthly` (`resource_type`,`month_start`,`hits` DESC,`asset_id`);--> statement-breakpoint
CREATE INDEX `asset_access_hourly_rank_idx` ON `asset_access_hourly` (`resource_type`,`hour_start`,`hits` DESC,`asset_id`);--> statement-breakpoint
-- The state row exists from the start; epoch bounds mean "nothing rolled up yet" (the leader rolls up what the
-- hourly table holds on its first run).
INSERT INTO `asset_access_rollup_state` (`id`, `days_to`, `months_to`) VALUES (1, '1970-01-01 00:00:00', '1970-01-01 00:00:00');--> statement-breakpoint
-- Minutes of the raw rows already logged, so a `since` inside them stays exact to the minute after the upgrade.
INSERT INTO `asset_access_minute` (`minute_start`, `resource_type`, `asset_id`, `hits`)
SELECT DATE_FORMAT(`accessed_at`, '%Y-%m-%d %H:%i:00'), `resource_type`, `asset_id`, COUNT(*) FROM `asset_access_log`
WHERE `method` = 'GET' AND `status` = 200 GROUP BY 1, 2, 3;
