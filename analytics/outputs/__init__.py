"""What leaves the system: report tables, the monthly PDF and workbook, digests, XES."""
