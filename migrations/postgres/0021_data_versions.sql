-- A version per kind of data, moved by triggers in the same transaction as every
-- change to the tables it covers, whoever writes them (the app, an import, a bulk
-- load). A dashboard's figures are computed once per version and reused while the
-- version stands: exact, and a few microseconds to check.
CREATE TABLE data_versions (
    name    TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_versions (name, version) VALUES ('findings', 1), ('issues', 1), ('submissions', 1), ('parameters', 1), ('candidates', 1), ('taxonomy', 1);

-- Deferred to the commit, so the version row is locked only for the moment of
-- committing, not for the whole of a long transaction.
CREATE FUNCTION bump_data_version() RETURNS trigger AS $$
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = TG_ARGV[0];
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER findings_version AFTER INSERT OR UPDATE OR DELETE ON findings DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('findings');
CREATE CONSTRAINT TRIGGER advocacy_issues_version AFTER INSERT OR UPDATE OR DELETE ON advocacy_issues DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('issues');
CREATE CONSTRAINT TRIGGER issue_findings_version AFTER INSERT OR UPDATE OR DELETE ON issue_findings DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('issues');
CREATE CONSTRAINT TRIGGER issue_supporters_version AFTER INSERT OR UPDATE OR DELETE ON issue_supporters DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('issues');
CREATE CONSTRAINT TRIGGER submissions_version AFTER INSERT OR UPDATE OR DELETE ON submissions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('submissions');
CREATE CONSTRAINT TRIGGER responses_version AFTER INSERT OR UPDATE OR DELETE ON responses DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('submissions');
CREATE CONSTRAINT TRIGGER commitments_version AFTER INSERT OR UPDATE OR DELETE ON commitments DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('submissions');
CREATE CONSTRAINT TRIGGER policy_parameters_version AFTER INSERT OR UPDATE OR DELETE ON policy_parameters DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('parameters');
CREATE CONSTRAINT TRIGGER parameter_values_version AFTER INSERT OR UPDATE OR DELETE ON parameter_values DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('parameters');
CREATE CONSTRAINT TRIGGER gap_candidates_version AFTER INSERT OR UPDATE OR DELETE ON gap_candidates DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('candidates');
CREATE CONSTRAINT TRIGGER gap_dismissals_version AFTER INSERT OR UPDATE OR DELETE ON gap_dismissals DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('candidates');
CREATE CONSTRAINT TRIGGER policy_areas_version AFTER INSERT OR UPDATE OR DELETE ON policy_areas DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('taxonomy');
CREATE CONSTRAINT TRIGGER localities_version AFTER INSERT OR UPDATE OR DELETE ON localities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('taxonomy');
CREATE CONSTRAINT TRIGGER departments_version AFTER INSERT OR UPDATE OR DELETE ON departments DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version('taxonomy');
