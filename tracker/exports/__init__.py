"""What users take away as files: report and list tables as XLSX or CSV, and the narrative
summary in prose. Views send these as downloads; ``tracker report`` writes them to disk.
Nothing here queries the database: callers pass the figures and rows services loaded.
"""
