"""English translations per area: each module defines EN = {"中文": "English"}."""
