ALTER TABLE community_meeting DROP COLUMN chair;
