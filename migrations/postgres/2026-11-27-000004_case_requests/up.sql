-- What an applicant asks for (人民调解申请书: 请求事项), one per line.
ALTER TABLE mediation_case ADD COLUMN requests TEXT;
