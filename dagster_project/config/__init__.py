"""Configuration: the settings resource and the watchlist model, with every validation rule.

Imports point one way: config -> sources -> resources/assets -> definitions. Nothing here
imports the adapters, and the adapters import only the value types of config.source_config.
"""
