"""Excel: templates and exports written with openpyxl, uploads read with python-calamine."""
