DROP INDEX complaint_awaiting;
