-- Initial schema of llm-proxy: projects (one upstream API key each), the tokens issued to
-- the clients of a project, and the audit log of security events.
-- In this first version the token value itself is the primary key of tokens (00004 moves
-- the key to a generated id) and an audit outcome is only success or failure (00006 widens it).
-- Constraints are named so that later migrations, and every dialect, refer to the same names.
--
-- Written for MySQL 8.0.19+ and MariaDB 10.5+ alike:
-- - indexes are declared inside CREATE TABLE IF NOT EXISTS, because MySQL has no
--   CREATE INDEX IF NOT EXISTS;
-- - keyed and indexed text columns are VARCHAR (InnoDB cannot index TEXT without a prefix);
--   255 characters of utf8mb4 keep even the two-column index under the 3072-byte key limit;
--   free text stays TEXT, and metadata (a JSON document) is TEXT too, because MariaDB's JSON
--   type is LONGTEXT plus an extra json_valid CHECK that MySQL does not have;
-- - every table is utf8mb4 with the binary collation utf8mb4_bin, so that comparisons and
--   uniqueness are exact and case-sensitive as on SQLite and PostgreSQL (a case-insensitive
--   default collation would let a token match a differently-cased one);
-- - times are DATETIME(6): no 2038 limit and no session time zone conversion, and the
--   microseconds the other dialects keep.
-- MySQL commits DDL implicitly, so the runner's transaction cannot undo a half-applied
-- migration here; each change is therefore made in as few statements as possible.

-- +goose Up
CREATE TABLE IF NOT EXISTS projects (
    id VARCHAR(255) NOT NULL,
    name VARCHAR(255) NOT NULL,
    openai_api_key TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE INDEX idx_projects_name (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- idx_tokens_project_id is declared before the foreign key, which then uses it instead of
-- creating an index of its own.
CREATE TABLE IF NOT EXISTS tokens (
    token VARCHAR(255) NOT NULL,
    project_id VARCHAR(255) NOT NULL,
    expires_at DATETIME(6) NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    request_count INT NOT NULL DEFAULT 0,
    max_requests INT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    last_used_at DATETIME(6) NULL,
    PRIMARY KEY (token),
    INDEX idx_tokens_project_id (project_id),
    INDEX idx_tokens_expires_at (expires_at),
    INDEX idx_tokens_is_active (is_active),
    CONSTRAINT fk_tokens_project_id FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- CHECK constraints are enforced by MySQL since 8.0.16 and by MariaDB since 10.2.
CREATE TABLE IF NOT EXISTS audit_events (
    id VARCHAR(255) NOT NULL,
    timestamp DATETIME(6) NOT NULL,
    action VARCHAR(255) NOT NULL,
    actor TEXT NOT NULL,
    project_id VARCHAR(255) NULL,
    request_id VARCHAR(255) NULL,
    correlation_id TEXT NULL,
    client_ip VARCHAR(255) NULL,
    method TEXT NULL,
    path TEXT NULL,
    user_agent TEXT NULL,
    outcome VARCHAR(16) NOT NULL,
    reason TEXT NULL,
    token_id TEXT NULL,
    metadata TEXT NULL,
    PRIMARY KEY (id),
    INDEX idx_audit_events_timestamp (timestamp),
    INDEX idx_audit_events_action (action),
    INDEX idx_audit_events_project_id (project_id),
    INDEX idx_audit_events_client_ip (client_ip),
    INDEX idx_audit_events_request_id (request_id),
    INDEX idx_audit_events_outcome (outcome),
    INDEX idx_audit_events_client_ip_action (client_ip, action),
    CONSTRAINT ck_audit_events_outcome CHECK (outcome IN ('success', 'failure'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- +goose Down
-- Dropping a table drops its indexes and constraints. tokens goes before projects, which it
-- references.
DROP TABLE IF EXISTS audit_events;
DROP TABLE IF EXISTS tokens;
DROP TABLE IF EXISTS projects;
