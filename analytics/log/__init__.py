"""The log: reading extracts (CSV, Excel, XES) into events, validation, levels, working days."""
