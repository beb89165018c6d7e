"""Quarterly capital expenditure: the raw schema and the CapexSource interface (re-exported
here, so callers need not know the module layout), with one module per job:

- normalise.py  yfinance's quarterly cash-flow statement -> rows in CAPEX_COLUMNS;
- live.py       the live yfinance adapter (retries, definitive "no capex" answers);
- replay.py     the case-study replay (10-Q/10-K figures, case_study/capex_quarterly.csv).
"""

from dagster_project.sources.capex.schema import CAPEX_COLUMNS, CAPEX_SCHEMA, CapexFetchError, CapexSource

__all__ = ["CAPEX_COLUMNS", "CAPEX_SCHEMA", "CapexFetchError", "CapexSource"]
