"""Kakehashi's engine: plain Python (no Django) for the fiscal calendar, Japanese text, counting and matching."""
