CREATE TABLE `assets` (
	`id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	`resource_type` varchar(32) NOT NULL,
	`name` varchar(256) NOT NULL,
	`description` text,
	`keywords` text NOT NULL,
	`date_created` datetime(3) NOT NULL,
	`date_modified` datetime(3) NOT NULL,
	CONSTRAINT `assets_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `assets_type_id_idx` ON `assets` (`resource_type`,`id`);