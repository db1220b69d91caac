-- A version per kind of data, moved by triggers in the same transaction as every
-- change to the tables it covers, whoever writes them (the app, an import, a bulk
-- load). A dashboard's figures are computed once per version and reused while the
-- version stands: exact, and a few microseconds to check.
CREATE TABLE data_versions (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);
INSERT INTO data_versions (name, version) VALUES ('findings', 1), ('issues', 1), ('submissions', 1), ('parameters', 1), ('candidates', 1), ('taxonomy', 1);

CREATE TRIGGER findings_insert_version AFTER INSERT ON findings BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'findings'; END;
CREATE TRIGGER findings_update_version AFTER UPDATE ON findings BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'findings'; END;
CREATE TRIGGER findings_delete_version AFTER DELETE ON findings BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'findings'; END;
CREATE TRIGGER advocacy_issues_insert_version AFTER INSERT ON advocacy_issues BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'issues'; END;
CREATE TRIGGER advocacy_issues_update_version AFTER UPDATE ON advocacy_issues BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'issues'; END;
CREATE TRIGGER advocacy_issues_delete_version AFTER DELETE ON advocacy_issues BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'issues'; END;
CREATE TRIGGER issue_findings_insert_version AFTER INSERT ON issue_findings BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'issues'; END;
CREATE TRIGGER issue_findings_update_version AFTER UPDATE ON issue_findings BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'issues'; END;
CREATE TRIGGER issue_findings_delete_version AFTER DELETE ON issue_findings BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'issues'; END;
CREATE TRIGGER issue_supporters_insert_version AFTER INSERT ON issue_supporters BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'issues'; END;
CREATE TRIGGER issue_supporters_update_version AFTER UPDATE ON issue_supporters BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'issues'; END;
CREATE TRIGGER issue_supporters_delete_version AFTER DELETE ON issue_supporters BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'issues'; END;
CREATE TRIGGER submissions_insert_version AFTER INSERT ON submissions BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'submissions'; END;
CREATE TRIGGER submissions_update_version AFTER UPDATE ON submissions BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'submissions'; END;
CREATE TRIGGER submissions_delete_version AFTER DELETE ON submissions BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'submissions'; END;
CREATE TRIGGER responses_insert_version AFTER INSERT ON responses BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'submissions'; END;
CREATE TRIGGER responses_update_version AFTER UPDATE ON responses BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'submissions'; END;
CREATE TRIGGER responses_delete_version AFTER DELETE ON responses BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'submissions'; END;
CREATE TRIGGER commitments_insert_version AFTER INSERT ON commitments BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'submissions'; END;
CREATE TRIGGER commitments_update_version AFTER UPDATE ON commitments BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'submissions'; END;
CREATE TRIGGER commitments_delete_version AFTER DELETE ON commitments BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'submissions'; END;
CREATE TRIGGER policy_parameters_insert_version AFTER INSERT ON policy_parameters BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'parameters'; END;
CREATE TRIGGER policy_parameters_update_version AFTER UPDATE ON policy_parameters BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'parameters'; END;
CREATE TRIGGER policy_parameters_delete_version AFTER DELETE ON policy_parameters BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'parameters'; END;
CREATE TRIGGER parameter_values_insert_version AFTER INSERT ON parameter_values BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'parameters'; END;
CREATE TRIGGER parameter_values_update_version AFTER UPDATE ON parameter_values BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'parameters'; END;
CREATE TRIGGER parameter_values_delete_version AFTER DELETE ON parameter_values BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'parameters'; END;
CREATE TRIGGER gap_candidates_insert_version AFTER INSERT ON gap_candidates BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'candidates'; END;
CREATE TRIGGER gap_candidates_update_version AFTER UPDATE ON gap_candidates BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'candidates'; END;
CREATE TRIGGER gap_candidates_delete_version AFTER DELETE ON gap_candidates BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'candidates'; END;
CREATE TRIGGER gap_dismissals_insert_version AFTER INSERT ON gap_dismissals BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'candidates'; END;
CREATE TRIGGER gap_dismissals_update_version AFTER UPDATE ON gap_dismissals BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'candidates'; END;
CREATE TRIGGER gap_dismissals_delete_version AFTER DELETE ON gap_dismissals BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'candidates'; END;
CREATE TRIGGER policy_areas_insert_version AFTER INSERT ON policy_areas BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'taxonomy'; END;
CREATE TRIGGER policy_areas_update_version AFTER UPDATE ON policy_areas BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'taxonomy'; END;
CREATE TRIGGER policy_areas_delete_version AFTER DELETE ON policy_areas BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'taxonomy'; END;
CREATE TRIGGER localities_insert_version AFTER INSERT ON localities BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'taxonomy'; END;
CREATE TRIGGER localities_update_version AFTER UPDATE ON localities BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'taxonomy'; END;
CREATE TRIGGER localities_delete_version AFTER DELETE ON localities BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'taxonomy'; END;
CREATE TRIGGER departments_insert_version AFTER INSERT ON departments BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'taxonomy'; END;
CREATE TRIGGER departments_update_version AFTER UPDATE ON departments BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'taxonomy'; END;
CREATE TRIGGER departments_delete_version AFTER DELETE ON departments BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'taxonomy'; END;
