-- +goose Up
/* about t */
CREATE TABLE t (id int);
