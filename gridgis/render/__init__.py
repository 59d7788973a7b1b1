"""Outputs for people: HTML maps, Excel tables, notices and figures."""
