"""Form fields shared by several forms."""
