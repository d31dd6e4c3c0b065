-- +goose Up
SELECT '$1', '${LP_NAME}', $$x$$;
