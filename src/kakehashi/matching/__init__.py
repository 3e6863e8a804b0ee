"""Matching in the web app: records loaded for the engine, the two panels and ``kakehashi match``."""
