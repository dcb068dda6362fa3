"""Brands, regions, agencies, users and their grants."""
