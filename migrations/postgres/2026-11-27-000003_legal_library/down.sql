DELETE FROM session_reference;
DELETE FROM meeting_reference;
DELETE FROM legal_reference;
