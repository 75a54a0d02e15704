"""Seed data files (CSV, UTF-8) and their loader."""
