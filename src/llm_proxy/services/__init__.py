"""What goose lacks and users asked for: locks, validation, plans, status."""
