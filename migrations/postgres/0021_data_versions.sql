-- A version per kind of data, moved by triggers in the same transaction as every
-- change to the tables it covers, whoever writes them (the app, an import, a bulk
-- load). A dashboard's figures are computed once per version and reused while the
-- version stands: exact, and a few microseconds to check.
CREATE TABLE data_versions (
    name    TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_versions (name, version) VALUES ('findings', 1), ('issues', 1), ('submissions', 1), ('parameters', 1), ('candidates', 1), ('taxonomy', 1);

-- Once per statement (a bulk insert of thousands of rows moves it once): the row is
-- then locked until the transaction commits, which serialises writers of one kind of
-- data for the rest of their transaction and makes the new version visible exactly
-- when the data is.
CREATE FUNCTION bump_data_version() RETURNS trigger AS $$
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = TG_ARGV[0];
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER findings_version AFTER INSERT OR UPDATE OR DELETE ON findings FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('findings');
CREATE TRIGGER advocacy_issues_version AFTER INSERT OR UPDATE OR DELETE ON advocacy_issues FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('issues');
CREATE TRIGGER issue_findings_version AFTER INSERT OR UPDATE OR DELETE ON issue_findings FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('issues');
CREATE TRIGGER issue_supporters_version AFTER INSERT OR UPDATE OR DELETE ON issue_supporters FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('issues');
CREATE TRIGGER submissions_version AFTER INSERT OR UPDATE OR DELETE ON submissions FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('submissions');
CREATE TRIGGER responses_version AFTER INSERT OR UPDATE OR DELETE ON responses FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('submissions');
CREATE TRIGGER commitments_version AFTER INSERT OR UPDATE OR DELETE ON commitments FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('submissions');
CREATE TRIGGER policy_parameters_version AFTER INSERT OR UPDATE OR DELETE ON policy_parameters FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('parameters');
CREATE TRIGGER parameter_values_version AFTER INSERT OR UPDATE OR DELETE ON parameter_values FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('parameters');
CREATE TRIGGER gap_candidates_version AFTER INSERT OR UPDATE OR DELETE ON gap_candidates FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('candidates');
CREATE TRIGGER gap_dismissals_version AFTER INSERT OR UPDATE OR DELETE ON gap_dismissals FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('candidates');
CREATE TRIGGER policy_areas_version AFTER INSERT OR UPDATE OR DELETE ON policy_areas FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('taxonomy');
CREATE TRIGGER localities_version AFTER INSERT OR UPDATE OR DELETE ON localities FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('taxonomy');
CREATE TRIGGER departments_version AFTER INSERT OR UPDATE OR DELETE ON departments FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('taxonomy');
