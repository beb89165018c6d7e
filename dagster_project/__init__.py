"""ShockWatch: a scheduled ETL and DuckDB warehouse for market shocks in the AI economy."""
