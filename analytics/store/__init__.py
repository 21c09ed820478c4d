"""The store: database, migrations, uploads and the derived data written at upload."""
