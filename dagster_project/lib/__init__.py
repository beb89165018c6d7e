"""Shared code that assets, the CLI and reporting import; it imports none of them.

Each concept the project has is written once here: how a check result is declared and
reported (`checks`), which run tags carry a partition range (`run_tags`), how money and
returns are printed (`formatting`), and the queries several readers share (`queries`).
"""
