"""The `eoffice-analytics` command line."""
