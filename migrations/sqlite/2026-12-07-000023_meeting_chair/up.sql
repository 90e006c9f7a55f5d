-- Who chaired a community meeting (主持人), as its record names them.
ALTER TABLE community_meeting ADD COLUMN chair TEXT;
