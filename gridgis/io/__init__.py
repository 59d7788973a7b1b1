"""The edges: vector files, ledgers, encodings, CRS normalisation and the project store."""
