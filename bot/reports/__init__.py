"""Reports computed from the database: a unit's week (WeeklySummary) and its spreadsheet export."""
