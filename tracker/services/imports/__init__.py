"""Bulk import of units, users and tasks (with their assignments) from CSV or XLSX files:
reading the file, mapping its columns, planning every row before writing, and the import
templates."""
