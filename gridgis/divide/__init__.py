"""Territorial division: split villages into balanced, compact base grids."""
