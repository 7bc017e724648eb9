# Filipino date and number formats (Django ships none): day, short month, year ("30 Nob 2026"),
# one format for a day and one for a moment on every page (lib/dates.py); the short formats are the
# same, so that nothing shows a third one (the Philippines also write 11/30/2026, which English
# readers elsewhere in the network read as the 11th of a 30th month).
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = DATE_FORMAT
TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "j M Y, g:i A"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
FIRST_DAY_OF_WEEK = 0
# Date inputs (<input type="date">) send and show ISO 8601: it comes first.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
